import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRealDriver, RunStoppedError } from '../../runner/real/index.ts';
import { RunResultSchema } from '../../reports/schema.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import type { RunPlan } from '../../runner/types.ts';

const FAULTY = new URL('./fixtures/faulty-scenario.ts', import.meta.url).href;

test('a small real-time run end to end: 2 guests, 1 s, short-txn on trie', async () => {
  const params = validateParams(getScenario('short-txn'), {});
  const plan: RunPlan = { scenario: 'short-txn', params, guests: 2, seed: 1, durationS: 1, target: { kind: 'engine', engine: 'trie' }, rep: 0 };
  const progress: number[] = [];
  const result = await createRealDriver({ workers: 2 }).run(plan, (fraction) => progress.push(fraction));
  RunResultSchema.parse(result);
  assert.equal(result.key, 'short-txn/trie/real/g2/r0');
  assert.equal(result.driver, 'real');
  assert.equal(result.guests, 2);
  assert.ok(result.commits > 0, 'committed something');
  assert.equal(result.eagain, 0, 'own-subtree transactions never conflict on trie');
  assert.equal(result.otherErrors, 0);
  assert.equal(result.fairness.starved, 0);
  assert.equal(result.livelocked, false);
  assert.ok(result.durationS > 0 && result.durationS <= 1);
  assert.ok((result.engineCounters['commits'] ?? result.commits) >= result.commits);
  assert.ok(result.daemon.cpuMs !== null && result.daemon.rssBytes !== null);
  assert.equal(result.extra?.['workers'], 2);
  // Where the threads' time went (what calibration fits wake-up prices from).
  const x = result.extra!;
  assert.equal(x['threads.clientThreads'], 2);
  const requests = x['threads.daemonRequests']!;
  assert.ok(requests > 0 && Math.abs(requests - result.requests) <= 0.1 * result.requests + 10, `daemon served ${requests}, guests sent ${result.requests}`);
  assert.ok(x['threads.clientWakes']! > 0 && x['threads.clientWakes']! <= requests + 10, `client wakes ${x['threads.clientWakes']}`);
  assert.ok(x['threads.daemonWakes']! > 0 && x['threads.daemonWakes']! <= requests + 10, `daemon wakes ${x['threads.daemonWakes']}`);
  assert.ok(x['threads.clientActiveMs']! > 0);
  assert.ok(x['threads.daemonServiceMs']! > 0 && x['threads.daemonServiceMs']! < x['threads.daemonBusyMs']!);
});

const faulty = (fault: string): RunPlan => ({ scenario: 'faulty', params: { fault }, guests: 2, seed: 1, durationS: 30, target: { kind: 'engine', engine: 'trie' }, rep: 0 });

test('watchdog: a failing actor ends the run with an error naming it', async () => {
  await assert.rejects(createRealDriver({ workers: 2, scenarioModule: FAULTY }).run(faulty('throw')), /actor guest-1 failed: boom \(in worker 1 \(guest-1\)\)/);
});

test('watchdog: a worker thread that exits ends the run with an error naming it', async () => {
  await assert.rejects(createRealDriver({ workers: 2, scenarioModule: FAULTY }).run(faulty('exit')), /worker 1 \(guest-1\) exited \(code 3\)/);
});

test('watchdog: a hung worker ends the run within seconds', async () => {
  await assert.rejects(
    createRealDriver({ workers: 2, scenarioModule: FAULTY, heartbeatTimeoutMs: 3000 }).run(faulty('hang')),
    /worker 1 \(guest-1\) hung: no heartbeat for \d+\.\d s/,
  );
});

test('stopped by its signal mid-run: the real driver returns what it measured, marked partial, and removes its files', async () => {
  const base = mkdtempSync(join(tmpdir(), 'xstorm-stop-'));
  const saved = process.env['XSTORM_ENGINE_DIR'];
  process.env['XSTORM_ENGINE_DIR'] = base;
  try {
    const params = validateParams(getScenario('short-txn'), {});
    const plan: RunPlan = { scenario: 'short-txn', params, guests: 2, seed: 1, durationS: 30, target: { kind: 'engine', engine: 'tdb' }, rep: 0 };
    const controller = new AbortController();
    let measuring = false;
    const run = createRealDriver({ workers: 1 }).run(plan, (fraction) => {
      // The first progress report comes once the actors run; stop a little later.
      if (!measuring && fraction > 0) {
        measuring = true;
        setTimeout(() => controller.abort(), 500);
      }
    }, { signal: controller.signal });
    const result = await run;
    assert.equal(result.status, 'partial');
    assert.ok(result.durationS > 0.2 && result.durationS < 10, `measured ${result.durationS} s of 30`);
    assert.ok(result.commits > 0);
    assert.equal(result.extra?.['endedEarly'], 1);
    assert.deepEqual(readdirSync(join(base, `xstorm-${process.pid}`)), [], 'the tdb files are gone');
    // Stopped before the actors start: nothing to report.
    await assert.rejects(createRealDriver({ workers: 1 }).run(plan, undefined, { signal: AbortSignal.abort() }), RunStoppedError);
    assert.deepEqual(readdirSync(join(base, `xstorm-${process.pid}`)), []);
  } finally {
    if (saved === undefined) delete process.env['XSTORM_ENGINE_DIR'];
    else process.env['XSTORM_ENGINE_DIR'] = saved;
    rmSync(base, { recursive: true, force: true });
  }
});
