/**
 * The gate on the real simulated driver (not fixtures): the same plan and
 * profile twice passes with every figure unchanged; a cost-profile change
 * that makes trie's daemon 4x slower per request fails (trie's goodput and
 * latency regress, tdb's figures do not move).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareResults, computeHeadline, formatGateReport, type ResultsFile, type RunResult } from '../../reports/index.ts';
import { runSimulated } from '../../runner/sim/index.ts';
import { loadProfile, type CostProfile } from '../../runner/cost/index.ts';
import { defaultParams, getScenario } from '../../scenarios/index.ts';
import type { RunPlan } from '../../runner/types.ts';
import { fixtureMeta } from './fixtures.ts';

const GUESTS = [8];

async function sweep(profile: CostProfile): Promise<ResultsFile> {
  const runs: RunResult[] = [];
  for (const engine of ['tdb', 'trie'] as const) {
    for (const guests of GUESTS) {
      const plan: RunPlan = {
        scenario: 'short-txn', params: { ...defaultParams(getScenario('short-txn')), sharedFraction: 0.5 }, guests, seed: 7, durationS: 1, rep: 0,
        target: { kind: 'engine', engine }, profile: profile.name,
      };
      const run = await runSimulated(plan, profile);
      runs.push({ ...run, key: `short-txn/${engine}/g${guests}` });
    }
  }
  return {
    schemaVersion: 1, id: 'gate-sim', kind: 'sweep', createdAt: '2026-11-25T12:00:00.000Z', meta: fixtureMeta(), config: {}, runs,
    headline: computeHeadline(runs),
  };
}

test('gate on the simulated driver: unchanged tree passes, a slower trie cost profile fails', async () => {
  const profile = loadProfile('xen-2009');
  const baseline = await sweep(profile);
  const again = compareResults(baseline, await sweep(profile));
  assert.equal(again.verdict, 'pass', formatGateReport(again));
  assert.ok(again.rows.every((row) => row.note === 'unchanged' || row.verdict === 'no verdict'), formatGateReport(again));

  const slowTrie: CostProfile = structuredClone(profile);
  slowTrie.engines.trie!.requestBaseUs *= 4;
  const report = compareResults(baseline, await sweep(slowTrie));
  assert.equal(report.verdict, 'fail', formatGateReport(report));
  const failed = report.rows.filter((row) => row.verdict === 'fail');
  assert.ok(failed.some((row) => row.subject.startsWith('short-txn/trie/')), formatGateReport(report));
  assert.ok(report.rows.filter((row) => row.subject.startsWith('short-txn/tdb/')).every((row) => row.verdict === 'pass'), 'tdb is untouched');
});
