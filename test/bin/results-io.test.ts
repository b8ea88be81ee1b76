/**
 * One builder of results files: schema version, status, and a headline
 * that gives no ratio from a partial or sharded grid; old files (no status)
 * still validate; merge keeps a partial shard's mark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildResultsFile } from '../../bin/results-io.ts';
import { parseResultsFile, serializeResultsFile } from '../../reports/io.ts';
import { SCHEMA_VERSION } from '../../reports/schema.ts';
import type { RunResult } from '../../reports/schema.ts';
import { mergeResultsFiles } from '../../reports/shard.ts';
import { createSimDriver } from '../../runner/sim/index.ts';
import type { RunPlan } from '../../runner/types.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';

/** short-txn on the simulated clock, 0.2 s, 1 and 2 guests: tdb sustains 1 (not 2), trie both. */
async function grid(): Promise<RunResult[]> {
  const sim = createSimDriver('xen-2009');
  const params = validateParams(getScenario('short-txn'), {});
  const runs: RunResult[] = [];
  for (const engine of ['tdb', 'trie'] as const) {
    for (const guests of [1, 2]) {
      const plan: RunPlan = { scenario: 'short-txn', params, guests, seed: 1, durationS: 0.2, target: { kind: 'engine', engine }, rep: 0, profile: 'xen-2009' };
      runs.push({ ...(await sim.run(plan)), gridIndex: runs.length });
    }
  }
  return runs;
}

const build = (runs: readonly RunResult[], extra: { planned?: number; partial?: boolean; shard?: { index: number; count: number } } = {}) =>
  buildResultsFile({ kind: 'sweep', id: 'sweep-t', config: { command: 'sweep' }, runs, headline: { computeFor: 'short-txn' }, command: ['xstorm', 'sweep'], createdAt: new Date(0), ...extra });

test('buildResultsFile: the schema version, complete status and the full headline', async () => {
  const runs = await grid();
  const file = build(runs);
  assert.equal(file.schemaVersion, SCHEMA_VERSION);
  assert.equal(file.status, 'complete');
  assert.equal(file.createdAt, '1970-01-01T00:00:00.000Z');
  assert.deepEqual(file.meta.command, ['xstorm', 'sweep']);
  assert.deepEqual(file.headline, { maxSustainedGuests: { tdb: 1, trie: 2 }, ratio: 2, scenario: 'short-txn' });
  parseResultsFile(JSON.parse(serializeResultsFile(file)), 'built');
});

test('a partial grid (runs missing, a run stopped early, or a checkpoint) has no ratio and says why', async () => {
  const runs = await grid();
  const half = build(runs.slice(0, 2), { planned: 4 });
  assert.equal(half.status, 'partial');
  assert.deepEqual(half.headline, {
    maxSustainedGuests: { tdb: 1 }, ratio: null, scenario: 'short-txn',
    caveat: 'partial results (2 of 4 planned runs, or a run stopped early): the figures cover only the runs present, and there is no ratio from a partial grid',
  });
  const cut = build([...runs.slice(0, 3), { ...runs[3]!, status: 'partial' }]);
  assert.equal(cut.status, 'partial');
  assert.equal(cut.headline?.ratio, null);
  assert.equal(build(runs, { partial: true }).status, 'partial', 'a checkpoint is partial even when its runs are all there');
});

test('a shard has no ratio; merging complete shards gives the full headline back, a partial shard keeps the merge partial', async () => {
  const runs = await grid();
  const shard = (index: number, partial = false) => build(runs.filter((_, i) => i % 2 === index - 1), { shard: { index, count: 2 }, ...(partial ? { partial } : {}) });
  assert.equal(shard(1).status, 'complete');
  assert.equal(shard(1).headline?.ratio, null);
  assert.match(String(shard(1).headline?.['caveat']), /^shard 1\/2 of the grid \(xstorm merge joins the shards\): /);
  const merged = mergeResultsFiles([shard(2), shard(1)]);
  assert.equal(merged.status, 'complete');
  assert.deepEqual(merged.headline, build(runs).headline, 'the caveat of shard 1 is not carried over');
  const mergedPartial = mergeResultsFiles([shard(1), shard(2, true)]);
  assert.equal(mergedPartial.status, 'partial');
  assert.equal(mergedPartial.headline?.ratio, null);
  assert.match(String(mergedPartial.headline?.['caveat']), /^partial results \(not every planned run is here, or one was stopped early\)/);
});

test('files written before status existed still validate (status is optional, absent = complete)', async () => {
  const runs = await grid();
  const { status: _status, ...old } = build(runs);
  const parsed = parseResultsFile(JSON.parse(JSON.stringify(old)), 'old');
  assert.equal(parsed.status, undefined);
  assert.equal(parsed.runs[0]!.status, undefined);
});
