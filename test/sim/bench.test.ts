import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchHeadline, benchItems, startFigures } from '../../runner/sim/bench.ts';
import { loadProfile } from '../../runner/cost/index.ts';
import type { RunResult } from '../../reports/schema.ts';

function run(engine: string, profile: string, started: number, guests = 160): RunResult {
  return {
    key: `k-${engine}-${profile}`, scenario: 'paper-7.3', engine, target: 'engine', driver: 'sim', profile, guests, rep: 0, seed: 1,
    params: {}, durationS: 1200, requests: 0, commits: 0, eagain: 0, otherErrors: 0, logicalTxns: 0, goodput: 0, throughput: 0, abortRate: 0.5,
    retries: { mean: 0, p99: 0, max: 0 },
    latency: { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 },
    requestLatency: { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 },
    fairness: { minCommits: 0, maxCommits: 0, starved: 0 }, livelocked: started < guests, livelockedClasses: started < guests ? ['toolstack'] : [],
    sustained: started === guests, slo: { description: '', ok: started === guests, detail: '' }, engineCounters: {}, daemon: { cpuMs: null, rssBytes: null },
    guestStarts: Array.from({ length: started }, (_, i) => ({ guest: i + 1, timeS: 2 * (i + 1) })),
  };
}

test('max sustained guests = guests started within the cap; ratio trie/tdb of the main profile', () => {
  const runs = [run('tdb', 'xen-2009', 42), run('trie', 'xen-2009', 160), run('tdb', 'calibrated-x', 160), run('trie', 'calibrated-x', 160)];
  assert.deepEqual(startFigures(runs[0]!), {
    engine: 'tdb', profile: 'xen-2009', guests: 160, started: 42, lastStartS: 84, maxSustainedGuests: 42, livelockedAt: 43,
    sustained: false, livelockedClasses: ['toolstack'], abortRate: 0.5,
  });
  const h = benchHeadline(runs, 'xen-2009');
  assert.deepEqual(h.maxSustainedGuests, { tdb: 42, trie: 160 });
  assert.equal(h.ratio, 160 / 42);
  assert.equal((h['paper73'] as Record<string, Record<string, { started: number }>>)['calibrated-x']!['tdb']!.started, 160);
});

test('bench items: full has §7.1 and §7.3 on both engines with xen-2009 plus calibrated §7.3; ci has no calibrated runs; modern engines join both experiments', () => {
  const xen = loadProfile('xen-2009');
  const calibrated = { ...xen, name: 'calibrated-test' };
  const full = benchItems(false, xen, calibrated, []);
  assert.deepEqual(full.map((i) => i.label), [
    '§7.1 tdb xen-2009', '§7.1 trie xen-2009', '§7.3 tdb xen-2009', '§7.3 trie xen-2009', '§7.3 tdb calibrated-test', '§7.3 trie calibrated-test',
  ]);
  assert.equal(full[2]!.plan.guests, 160);
  assert.equal(full[2]!.plan.durationS, 1200);
  const ci = benchItems(true, xen, undefined, ['trie-replay']);
  assert.deepEqual(ci.map((i) => i.label), ['§7.1 tdb xen-2009', '§7.1 trie xen-2009', '§7.1 trie-replay xen-2009', '§7.3 tdb xen-2009', '§7.3 trie xen-2009', '§7.3 trie-replay xen-2009']);
});
