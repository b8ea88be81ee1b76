/**
 * A sweep keeps what it measured: a checkpoint that cannot be written
 * (disk full) stops it with a clear message and the runs in memory are
 * written wherever possible; a failing run leaves partial results behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResultsFile } from '../../reports/io.ts';
import { createSimDriver } from '../../runner/sim/index.ts';
import type { Driver, RunPlan } from '../../runner/types.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import { runSweep } from '../../bin/sweep-run.ts';
import type { SweepSaver } from '../../bin/sweep-run.ts';
import { runCli } from './cli.ts';

const plan = (guests: number): RunPlan => ({
  scenario: 'short-txn', params: validateParams(getScenario('short-txn'), {}), guests, seed: 1, durationS: 0.2, target: { kind: 'engine', engine: 'trie' }, rep: 0,
});
const plans = [1, 2, 3, 4].map((guests, gridIndex) => ({ gridIndex, cell: plan(guests) }));
const sim = createSimDriver('xen-2009');

/** A saver that records what it was asked to write, failing as `fails` says (by call number, from 1). */
function recordingSaver(fails: (call: number, dir: string | undefined) => boolean) {
  const calls: Array<{ runs: number; final: boolean; dir: string | undefined; ok: boolean }> = [];
  const save: SweepSaver = async (runs, final, dir) => {
    const ok = !fails(calls.length + 1, dir);
    calls.push({ runs: runs.length, final, dir, ok });
    if (!ok) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return `${dir ?? 'out'}/results.json`;
  };
  return { calls, save };
}

test('a checkpoint that fails (disk full) stops the sweep, says so, and writes the runs to a rescue directory', async () => {
  const { calls, save } = recordingSaver((call, dir) => call >= 2 && dir === undefined);
  const log: string[] = [];
  const outcome = await runSweep({ driver: sim, plans, save, id: 'sweep-x', quiet: true, log: (l) => log.push(l), rescueBase: '/rescue' });
  assert.equal(outcome.end, 'save-failed');
  assert.equal(outcome.runs.length, 2, 'stopped after the run whose checkpoint failed');
  assert.deepEqual(outcome.runs.map((r) => r.gridIndex), [0, 1]);
  assert.match(outcome.saveError!.message, /ENOSPC/);
  assert.equal(outcome.path, '/rescue/xstorm-rescue-sweep-x/results.json');
  assert.deepEqual(calls, [
    { runs: 1, final: false, dir: undefined, ok: true },
    { runs: 2, final: false, dir: undefined, ok: false },
    { runs: 2, final: false, dir: undefined, ok: false },
    { runs: 2, final: false, dir: '/rescue/xstorm-rescue-sweep-x', ok: true },
  ]);
  assert.deepEqual(log, [
    'xstorm sweep: cannot save the results after run 2 of 4: ENOSPC: no space left on device, write; stopping the sweep',
    'xstorm sweep: the 2 runs measured are saved in /rescue/xstorm-rescue-sweep-x/results.json (partial)',
  ]);
});

test('when nothing can be written, the sweep says so (and the command prints the table)', async () => {
  const { save } = recordingSaver(() => true);
  const log: string[] = [];
  const outcome = await runSweep({ driver: sim, plans: plans.slice(0, 2), save, id: 'y', quiet: true, log: (l) => log.push(l), rescueBase: '/rescue' });
  assert.equal(outcome.end, 'save-failed');
  assert.equal(outcome.path, undefined);
  assert.equal(outcome.runs.length, 1);
  assert.match(log.at(-1)!, /cannot save the 1 runs measured anywhere \(ENOSPC: .*\); the table below is all that is left/);
});

test('a complete sweep checkpoints after every run but the last, then writes the final file once', async () => {
  const { calls, save } = recordingSaver(() => false);
  const outcome = await runSweep({ driver: sim, plans, save, id: 'z', quiet: true, log: () => {} });
  assert.equal(outcome.end, 'complete');
  assert.deepEqual(calls.map((c) => `${c.runs}${c.final ? ' final' : ''}`), ['1', '2', '3', '4 final']);
});

test('a run that fails leaves the runs before it written, then the failure goes on', async () => {
  const { calls, save } = recordingSaver(() => false);
  let n = 0;
  const failing: Driver = { name: 'sim', run: async (p, progress, options) => (++n === 3 ? Promise.reject(new Error('daemon gone')) : sim.run(p, progress, options)) };
  const log: string[] = [];
  await assert.rejects(runSweep({ driver: failing, plans, save, id: 'f', quiet: true, log: (l) => log.push(l) }), /daemon gone/);
  assert.deepEqual(calls.map((c) => c.runs), [1, 2, 2]);
  assert.deepEqual(log, ['xstorm sweep: stopped after 2 of 4 runs; partial results in out/results.json']);
});

test('xstorm sweep whose results cannot be saved: a clear message, the runs rescued, exit 1 (it used to die of an unhandled rejection)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-sweep-save-'));
  try {
    // results.json is a directory with something in it: every save's rename fails, as on a full disk.
    const out = join(dir, 'out');
    mkdirSync(join(out, 'results.json'), { recursive: true });
    writeFileSync(join(out, 'results.json', 'keep'), '');
    const rescueBase = join(dir, 'tmp');
    mkdirSync(rescueBase);
    const outcome = await runCli(['sweep', '--scenario', 'short-txn', '--driver', 'sim', '--engines', 'tdb,trie', '--guests', '1,2', '--duration', '0.2', '--out', out, '--force'], {
      env: { TMPDIR: rescueBase }, timeoutMs: 60000,
    });
    assert.equal(outcome.status, 1, outcome.stderr);
    assert.doesNotMatch(outcome.stderr, /internal error|unhandled/i);
    assert.match(outcome.stderr, /xstorm sweep: cannot save the results after run 1 of 4: .*results\.json.*; stopping the sweep/);
    const rescued = /the 1 runs measured are saved in (\S+) \(partial\)/.exec(outcome.stderr)?.[1];
    assert.ok(rescued?.startsWith(rescueBase), outcome.stderr);
    const file = parseResultsFile(JSON.parse(readFileSync(rescued!, 'utf8')), rescued!);
    assert.equal(file.status, 'partial');
    assert.equal(file.runs.length, 1);
    assert.match(outcome.stdout, /short-txn\s+tdb\s+sim\s+1/, 'the table of what was measured is printed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
