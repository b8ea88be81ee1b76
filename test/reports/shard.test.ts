/** Sharding: spec parsing (explicit and from CI/batch environments), balanced slices, and merge back to the unsharded file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ReportInputError, computeHeadline, mergeResultsFiles, parseShard, selectShard, selectShardWithIndex, serializeResultsFile,
  writeResultsFile, type ResultsFile, type Shard,
} from '../../reports/index.ts';
import { sweepFixture } from './fixtures.ts';

test('parseShard: i/n, and auto from XSTORM_SHARD, Kubernetes and Slurm', () => {
  assert.deepEqual(parseShard('2/4', {}), { index: 2, count: 4 });
  assert.deepEqual(parseShard(' 1 / 1 ', {}), { index: 1, count: 1 });
  assert.equal(parseShard('auto', {}), null);
  assert.deepEqual(parseShard('auto', { XSTORM_SHARD: '3/5' }), { index: 3, count: 5 });
  assert.deepEqual(parseShard('auto', { JOB_COMPLETION_INDEX: '0', XSTORM_SHARD_COUNT: '4' }), { index: 1, count: 4 });
  assert.deepEqual(parseShard('auto', { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_COUNT: '8' }), { index: 8, count: 8 });
  assert.deepEqual(parseShard('auto', { SLURM_ARRAY_TASK_ID: '11', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_COUNT: '3' }), { index: 2, count: 3 });
  assert.deepEqual(parseShard('auto', { XSTORM_SHARD: '1/2', JOB_COMPLETION_INDEX: '1', XSTORM_SHARD_COUNT: '2' }), { index: 1, count: 2 }, 'XSTORM_SHARD wins');
});

test('parseShard rejects bad specs with one-line messages', () => {
  const bad: Array<[string, NodeJS.ProcessEnv, RegExp]> = [
    ['0/3', {}, /^--shard: shard index must be between 1 and 3, got 0$/],
    ['4/3', {}, /between 1 and 3, got 4/],
    ['1/0', {}, /^--shard: shard count must be a positive integer, got 0$/],
    ['half', {}, /^--shard: expected a shard as i\/n \(e\.g\. 2\/4\) or auto, got "half"$/],
    ['auto', { XSTORM_SHARD: 'x' }, /^--shard auto: XSTORM_SHARD: expected a shard as i\/n/],
    ['auto', { JOB_COMPLETION_INDEX: '2' }, /XSTORM_SHARD_COUNT is not/],
    ['auto', { JOB_COMPLETION_INDEX: '4', XSTORM_SHARD_COUNT: '4' }, /\(Kubernetes\): shard index must be between 1 and 4, got 5/],
    ['auto', { SLURM_ARRAY_TASK_ID: 'a', SLURM_ARRAY_TASK_COUNT: '2' }, /SLURM_ARRAY_TASK_ID must be a non-negative integer, got "a"/],
  ];
  for (const [spec, env, message] of bad) assert.throws(() => parseShard(spec, env), (error: unknown) => error instanceof ReportInputError && message.test(error.message), `${spec} ${JSON.stringify(env)}`);
});

test('selectShard: round-robin, disjoint, covering, balanced', () => {
  const cells = Array.from({ length: 10 }, (_, i) => `c${i}`);
  assert.deepEqual(selectShard(cells, { index: 1, count: 3 }), ['c0', 'c3', 'c6', 'c9']);
  assert.deepEqual(selectShard(cells, { index: 2, count: 3 }), ['c1', 'c4', 'c7']);
  assert.deepEqual(selectShardWithIndex(cells, { index: 3, count: 3 }), [{ gridIndex: 2, cell: 'c2' }, { gridIndex: 5, cell: 'c5' }, { gridIndex: 8, cell: 'c8' }]);
  assert.deepEqual(selectShard(cells, null), cells);
  assert.deepEqual(selectShard(cells, { index: 12, count: 12 }), []);
});

/** What `sweep --shard i/n` would write for the fixture grid. */
function shardFile(full: ResultsFile, shard: Shard, createdAt: string): ResultsFile {
  const runs = selectShard(full.runs, shard);
  return {
    ...full,
    createdAt,
    meta: { ...full.meta, command: [...full.meta.command, '--shard', `${shard.index}/${shard.count}`] },
    runs,
    headline: { ...full.headline, ...computeHeadline(runs) },
    shard,
  };
}

test('three shards merge to a results.json byte-identical to the unsharded sweep', () => {
  const full = sweepFixture();
  const shards = [
    shardFile(full, { index: 1, count: 3 }, '2026-11-25T09:58:00.000Z'),
    shardFile(full, { index: 2, count: 3 }, full.createdAt),
    shardFile(full, { index: 3, count: 3 }, '2026-11-25T09:59:30.000Z'),
  ];
  assert.notDeepEqual(shards[0]!.headline, full.headline, 'a shard alone has a partial headline');
  for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
    const merged = mergeResultsFiles(order.map((i) => shards[i]!));
    assert.equal(serializeResultsFile(merged), serializeResultsFile(full));
  }
});

test('merge recomputes the headline for the scenario the sweep chose', () => {
  const full = sweepFixture();
  full.headline = computeHeadline(full.runs, { scenario: 'paper-7.3' });
  assert.deepEqual(full.headline, { maxSustainedGuests: { tdb: null, trie: 160, 'tdb-pernode': 160, 'trie-replay': 160 }, ratio: null, scenario: 'paper-7.3' });
  const shards = [1, 2, 3].map((index) => {
    const runs = selectShard(full.runs, { index, count: 3 });
    return { ...full, runs, headline: computeHeadline(runs, { scenario: 'paper-7.3' }), shard: { index, count: 3 } };
  });
  assert.equal(serializeResultsFile(mergeResultsFiles(shards)), serializeResultsFile(full));
});

test('merge without gridIndex orders by key, still the same for every shard order', () => {
  const full = sweepFixture();
  const plain: ResultsFile = { ...full, runs: full.runs.map(({ gridIndex: _, ...run }) => run) };
  const shards = [1, 2, 3].map((index) => shardFile(plain, { index, count: 3 }, plain.createdAt));
  const merged = mergeResultsFiles([shards[2]!, shards[0]!, shards[1]!]);
  const keys = merged.runs.map((run) => run.key);
  assert.deepEqual(keys, [...keys].sort());
  assert.equal(serializeResultsFile(mergeResultsFiles(shards)), serializeResultsFile(merged));
});

test('merge refuses shards that do not belong together', () => {
  const full = sweepFixture();
  const s = (index: number, count = 3): ResultsFile => shardFile(full, { index, count }, full.createdAt);
  const fails: Array<[ResultsFile[], RegExp]> = [
    [[s(1), s(3)], /^merge: missing shard 2\/3$/],
    [[s(1), s(1), s(2), s(3)], /^merge: shard 1\/3 given twice \(inputs 1 and 2\)$/],
    [[s(1), s(2, 2)], /input 2 is shard 2\/2 but input 1 is of 3 shards/],
    [[s(1), { ...s(2), config: { other: true } }, s(3)], /shard 2\/3 was run with a different config/],
    [[s(1), { ...s(2), meta: { ...full.meta, gitCommit: 'abc' } }, s(3)], /shard 2\/3 was made at commit abc/],
    [[s(1), { ...s(2), runs: [...s(2).runs, s(1).runs[0]!] }, s(3)], /appears in more than one shard/],
    [[s(1), full], /1 of 2 inputs are not shards/],
    [[], /no results files given/],
  ];
  assert.equal(mergeResultsFiles([s(1), { ...s(2), id: 'other' }, s(3)]).id, 'sweep-fixture', 'ids may differ (time-based); shard 1 names the merge');
  for (const [files, message] of fails) assert.throws(() => mergeResultsFiles(files), (error: unknown) => error instanceof ReportInputError && message.test(error.message), String(message));
});

test('xstorm merge writes a full results directory from shard directories', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xstorm-merge-'));
  try {
    const full = sweepFixture();
    const inputs: string[] = [];
    for (const index of [1, 2, 3]) {
      const shardDir = path.join(dir, `shard-${index}`);
      await writeResultsFile(shardDir, shardFile(full, { index, count: 3 }, full.createdAt));
      inputs.push(shardDir);
    }
    const cli = fileURLToPath(new URL('../../bin/xstorm.js', import.meta.url));
    const out = path.join(dir, 'merged');
    const result = spawnSync(process.execPath, [cli, 'merge', ...inputs.reverse(), '--out', out, '--no-png'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(await readFile(path.join(out, 'results.json'), 'utf8'), serializeResultsFile(full));
    assert.deepEqual((await readdir(out)).sort(), ['report.html', 'results.csv', 'results.json', 'summary.md', 'table.tex']);
    const missing = spawnSync(process.execPath, [cli, 'merge', inputs[0]!, '--out', out], { encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /merge: missing shards 1\/3, 2\/3/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
