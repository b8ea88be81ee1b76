/**
 * The simulated driver keeps `tdb`'s files in memory (copy-on-write pages)
 * instead of real files: every counter, reply and result must be the same.
 * Each seeded scenario runs on both storages and its results.json text
 * (fixed id, date and meta) must be byte-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulated } from '../../runner/sim/index.ts';
import { loadProfile } from '../../runner/cost/index.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import { serializeResultsFile } from '../../reports/io.ts';
import type { ResultsFile, RunResult } from '../../reports/schema.ts';
import type { RunPlan } from '../../runner/types.ts';
import type { EngineStorage } from '../../engines/index.ts';

const profile = loadProfile('xen-2009');

function plan(scenario: string, params: Record<string, unknown>, guests: number, durationS?: number): RunPlan {
  const s = getScenario(scenario);
  const valid = validateParams(s, params);
  return {
    scenario, params: valid, guests, seed: 11,
    durationS: durationS ?? (s.durationS ? s.durationS(valid) : s.defaultDurationS),
    target: { kind: 'engine', engine: 'tdb' }, rep: 0,
  };
}

/** results.json as `xstorm run` writes it, with the run-dependent fields fixed. */
function resultsJson(run: RunResult): string {
  const file: ResultsFile = {
    schemaVersion: 1,
    id: 'storage-test',
    kind: 'run',
    createdAt: '2026-01-01T00:00:00.000Z',
    meta: { xstormVersion: '0', gitCommit: null, node: 'v0', os: 'test', cpuModel: 'test', cpuCount: 1, command: [] },
    config: {},
    runs: [run],
  };
  return serializeResultsFile(file);
}

async function onStorage(p: RunPlan, storage: EngineStorage): Promise<string> {
  return resultsJson(await runSimulated(p, profile, undefined, { engineStorage: storage }));
}

const CASES: ReadonlyArray<[string, RunPlan]> = [
  ['paper-7.3, 40 guests, 2-minute cap', plan('paper-7.3', { buildMs: 2000, capS: 120 }, 40)],
  ['paper-7.1, 32 clients × 20 transactions', plan('paper-7.1', { transactions: 20 }, 32)],
  ['short-txn with shared keys', plan('short-txn', { sharedFraction: 0.3 }, 8, 2)],
  ['boot-storm', plan('boot-storm', {}, 6)],
  ['agent-chatter', plan('agent-chatter', {}, 6, 3)],
];

for (const [label, p] of CASES) {
  test(`tdb on memory storage gives byte-identical results.json to file storage: ${label}`, async () => {
    const file = await onStorage(p, 'file');
    const memory = await onStorage(p, 'memory');
    assert.equal(memory, file);
    // The runs did real work on the store (the comparison is not vacuous).
    const counters = (JSON.parse(file) as ResultsFile).runs[0]!.engineCounters;
    assert.ok(counters['bytesCopied']! > 0 && counters['commits']! > 0 && counters['recordsWritten']! > 0);
  });
}
