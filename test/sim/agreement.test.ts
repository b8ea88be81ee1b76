/**
 * Agreement with reality at small scale, on what does not depend on the
 * machine's speed: the abort rate of the same workload on the real-time
 * driver and on the simulated driver (priced with a calibrated profile of
 * a 2-vCPU VM, kept as a fixture). On tdb every commit moves the global
 * generation, so with N guests interleaved about (N − 1)/N of transactions
 * abort on both drivers; on trie own-subtree transactions never conflict.
 * Goodput agreement is a timing property: `npm run bench:agreement` checks
 * it with this machine's calibration and prints the table (a timed unit test
 * would be flaky on a shared machine).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createRealDriver } from '../../runner/real/index.ts';
import { runSimulated } from '../../runner/sim/driver.ts';
import { loadProfile } from '../../runner/cost/index.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import type { RunPlan } from '../../runner/types.ts';
import type { EngineKind } from '../../engines/index.ts';

const profile = loadProfile(fileURLToPath(new URL('./fixtures/calibrated-sample.json', import.meta.url)));

const plan = (engine: EngineKind, guests: number): RunPlan => ({
  scenario: 'short-txn', params: validateParams(getScenario('short-txn'), {}), guests, seed: 1, durationS: 1.5,
  target: { kind: 'engine', engine }, rep: 0,
});

for (const guests of [2, 4]) {
  test(`short-txn on tdb, ${guests} guests: real and simulated abort rates agree within 20 % and sit near (N − 1)/N`, async () => {
    const real = await createRealDriver({}).run(plan('tdb', guests));
    const sim = await runSimulated(plan('tdb', guests), profile);
    const expected = (guests - 1) / guests;
    assert.ok(Math.abs(sim.abortRate - expected) / expected <= 0.05, `sim abort rate ${sim.abortRate}`);
    assert.ok(Math.abs(real.abortRate - sim.abortRate) / sim.abortRate <= 0.2, `real ${real.abortRate} vs sim ${sim.abortRate}`);
    assert.ok(real.commits > 0 && sim.commits > 0);
  });
}

test('short-txn on trie, 4 guests: neither driver aborts own-subtree transactions', async () => {
  const real = await createRealDriver({}).run(plan('trie', 4));
  const sim = await runSimulated(plan('trie', 4), profile);
  assert.equal(real.eagain, 0);
  assert.equal(sim.eagain, 0);
  assert.ok(real.commits > 0 && sim.commits > 0);
});

test('the simulated pipeline with this profile gives the same result twice, with the profile named in the key', async () => {
  const a = await runSimulated(plan('trie', 4), profile);
  const b = await runSimulated(plan('trie', 4), profile);
  assert.equal(a.key, 'short-txn/trie/sim/g4/r0/profile=calibrated-sample');
  assert.equal(a.commits, b.commits);
  assert.equal(a.requests, b.requests);
  assert.deepEqual(a.requestLatency, b.requestLatency);
});
