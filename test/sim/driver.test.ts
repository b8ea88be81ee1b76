import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulated, createSimDriver } from '../../runner/sim/index.ts';
import { parseProfile, CostProfileError } from '../../runner/cost/index.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import type { RunPlan } from '../../runner/types.ts';

/*
 * These figures are a regression detector: they move whenever the engines,
 * daemon, codec or scenarios change what they do or send (bytes are priced).
 * Check such a change is intended, then update them (`runSimulated` on the
 * same plans prints them).
 */

/** A fixed test profile (the built-in ones may be re-fitted; these figures must not move with them). */
const profile = parseProfile({
  profileVersion: 1, name: 'unit-sim', description: 'test', machine: { os: 't', cpu: 't', cpuCount: 1, node: null }, sources: [],
  transport: { latencyUs: 20, perByteUs: 0.01 }, daemon: { perByteUs: 0.002 },
  engines: {
    tdb: { requestBaseUs: 50, counters: { bytesCopied: 0.01, renames: 30, fileCopies: 40, recordsRead: 1, recordsWritten: 2 } },
    trie: { requestBaseUs: 50, counters: { nodesVisited: 0.1, nodesAllocated: 0.5 } },
  },
});

function tinyPaper73(engine: 'tdb' | 'trie'): RunPlan {
  const s = getScenario('paper-7.3');
  const params = validateParams(s, { timeScale: 0.01, buildMs: 2000, toolstack: 'libxl-4.4' });
  return { scenario: 'paper-7.3', params, guests: 3, seed: 7, durationS: s.durationS!(params), target: { kind: 'engine', engine }, rep: 0 };
}

test('tiny paper-7.3 (3 guests, cap 12 s): exact figures for both engines', async () => {
  const tdb = await runSimulated(tinyPaper73('tdb'), profile);
  assert.equal(tdb.driver, 'sim');
  assert.equal(tdb.profile, 'unit-sim');
  assert.deepEqual(tdb.guestStarts, [
    { guest: 1, timeS: 0.03656924799999994 },
    { guest: 2, timeS: 0.08226483199999977 },
    { guest: 3, timeS: 0.13191376799999982 },
  ]);
  assert.deepEqual([tdb.requests, tdb.commits, tdb.eagain, tdb.sustained], [601, 29, 9, true]);
  assert.equal(tdb.daemon.cpuMs, 62.817194000000015);
  assert.equal(tdb.engineCounters['bytesCopied'], 2326552);

  const trie = await runSimulated(tinyPaper73('trie'), profile);
  assert.deepEqual(trie.guestStarts, [
    { guest: 1, timeS: 0.033323947999999944 },
    { guest: 2, timeS: 0.07257256399999995 },
    { guest: 3, timeS: 0.11194372199999994 },
  ]);
  assert.deepEqual([trie.requests, trie.commits, trie.eagain, trie.sustained], [637, 33, 4, true]);
  assert.equal(trie.daemon.cpuMs, 34.387480000000046);
  assert.equal(trie.engineCounters['coalescedCommits'], 6);
});

test('same seed and profile give byte-identical results; another seed differs', async () => {
  const plan: RunPlan = {
    scenario: 'short-txn', params: validateParams(getScenario('short-txn'), {}), guests: 6, seed: 42, durationS: 0.5,
    target: { kind: 'engine', engine: 'tdb' }, rep: 0,
  };
  const driver = createSimDriver(profile);
  const a = JSON.stringify(await driver.run(plan));
  const b = JSON.stringify(await driver.run(plan));
  assert.equal(a, b);
  const c = JSON.stringify(await driver.run({ ...plan, seed: 43 }));
  assert.notEqual(a, c);
});

test('a profile pricing a counter the engine does not report is refused', async () => {
  const typo = parseProfile({ ...profile, engines: { trie: { requestBaseUs: 1, counters: { nodesVistied: 1 } } } });
  await assert.rejects(runSimulated(tinyPaper73('trie'), typo), (e: unknown) => e instanceof CostProfileError && /nodesVistied: engine trie reports no such counter/.test(e.message));
});
