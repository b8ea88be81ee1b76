import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandEnds, benchHeadline, benchItems, computeBand, copyKneeCurve, p71Figures, startFigures } from '../../runner/sim/bench.ts';
import { loadProfile } from '../../runner/cost/index.ts';
import type { RunResult } from '../../reports/schema.ts';

const XAPI = { toolstack: 'xapi-2009', buildMs: 1800 };

function run(engine: string, profile: string, started: number, guests = 160, params: RunResult['params'] = XAPI): RunResult {
  return {
    key: `k-${engine}-${profile}-${String(params['toolstack'])}`, scenario: 'paper-7.3', engine, target: 'engine', driver: 'sim', profile, guests, rep: 0, seed: 1,
    params, durationS: 1200, requests: 0, commits: 0, eagain: 0, otherErrors: 0, logicalTxns: 0, goodput: 0, throughput: 0, abortRate: 0.5,
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
  const h = benchHeadline(runs, loadProfile('xen-2009'));
  assert.deepEqual(h.maxSustainedGuests, { tdb: 42, trie: 160 });
  assert.equal(h.ratio, 160 / 42);
  assert.equal((h['paper73'] as Record<string, Record<string, { started: number }>>)['calibrated-x']!['tdb']!.started, 160);
  // Without the band's runs there is no band.
  assert.equal(h['band'], undefined);
});

test('the band: each end of each unknown beside the central run; low and high over all of them', () => {
  const xen = loadProfile('xen-2009');
  const libxl = { toolstack: 'libxl-4.4', buildMs: 2000 };
  const runs = [
    run('tdb', 'xen-2009', 40), run('trie', 'xen-2009', 160),
    run('tdb', 'xen-2009~copy-fast', 50), run('tdb', 'xen-2009~copy-slow', 36), run('tdb', 'xen-2009~c-request-path', 38), run('tdb', 'xen-2009~home-layout', 64),
    run('tdb', 'xen-2009', 45, 160, libxl), run('trie', 'xen-2009', 150, 160, libxl),
  ];
  const band = computeBand(runs, xen)!;
  assert.deepEqual(band.tdbKnee, { central: 40, low: 36, high: 64 });
  assert.deepEqual(band.ratio, { central: 4, low: 160 / 64, high: 160 / 36 });
  assert.deepEqual(band.ends.map((e) => [e.unknown, e.id, e.tdbKnee, e.trieStarted]), [
    ['copy-bandwidth', 'copy-fast', 50, 160], ['copy-bandwidth', 'copy-slow', 36, 160], ['request-base', 'c-request-path', 38, 160],
    ['layout', 'home-layout', 64, 160], ['toolstack', 'libxl-toolstack', 45, 150],
  ]);
  assert.equal(band.ends[1]!.copyUsPerByte, 0.05);
  assert.equal(band.ends[4]!.copyUsPerByte, xen.engines['tdb']!.counters['bytesCopied']);
  const h = benchHeadline(runs, xen);
  assert.deepEqual(h.maxSustainedGuests, { tdb: 40, trie: 160 });
  assert.deepEqual((h['band'] as typeof band).tdbKnee, band.tdbKnee);
  // The knee against the copy bandwidth: the central run and the ends that move the copy price alone (not the request base, not the toolstack).
  const knee = copyKneeCurve(band, xen, 160)!;
  const mbps = (usPerByte: number) => Number((1 / usPerByte).toFixed(2));
  const copyOf = (id: string) => xen.variants!.find((v) => v.id === id)!.engines['tdb']!.counters!['bytesCopied']!;
  assert.deepEqual(knee.series[0]!.points, [
    { x: mbps(copyOf('copy-slow')), y: 36 }, { x: mbps(xen.engines['tdb']!.counters['bytesCopied']!), y: 40 },
    { x: mbps(copyOf('copy-fast')), y: 50 }, { x: mbps(copyOf('home-layout')), y: 64 },
  ].sort((a, b) => a.x - b.x));
  assert.deepEqual([knee.reference, knee.top, knee.unit], [{ y: 40, label: 'paper: livelock near 40' }, 160, 'MB/s']);
  assert.deepEqual((h['kneeCurves'] as unknown[]).length, 1);
  // A missing end: no band rather than a band that hides an unknown.
  assert.equal(computeBand(runs.slice(0, -1), xen), null);
});

test('§7.1 in the paper\'s terms: attempts and commits per second, delays with censoring, fairness', () => {
  const base = run('tdb', 'xen-2009', 0, 128, { layout: 'flat', thinkUs: 8.72, transactions: 500 });
  const r: RunResult = {
    ...base, scenario: 'paper-7.1', durationS: 800, commits: 2000, eagain: 238_000, abortRate: 238_000 / 240_000,
    latency: { count: 2000, mean: 1000, p50: 500, p90: 2000, p99: 9000, p999: 9500, max: 10_000 },
    openTxns: { count: 128, meanWaitMs: 400_000, maxWaitMs: 800_000 },
    latencyWithOpen: { count: 2128, mean: 25_000, p50: 600, p90: 300_000, p99: 790_000, p999: 800_000, max: 800_000 },
    fairness: { minCommits: 3, maxCommits: 40, starved: 0 },
    extra: { clientsFinished: 2 },
  };
  assert.deepEqual(p71Figures(r), {
    attemptsPerS: 300, commitsPerS: 2.5, abortRate: 238_000 / 240_000, meanDelayS: 25, p99DelayS: 790, maxDelayS: 800,
    censoredTxns: 128, delayCensored: true, clientsFinished: 2, clients: 128, commitsPerClient: { min: 3, max: 40 }, durationS: 800, endedAtCap: true,
  });
  const { openTxns: _o, latencyWithOpen: _l, ...finished } = r;
  assert.equal(p71Figures({ ...finished, extra: { clientsFinished: 128 } }).delayCensored, false);
  assert.equal(p71Figures({ ...finished, extra: { clientsFinished: 128 } }).maxDelayS, 10);
});

test('bench items: §7.1 and §7.3 with xen-2009, the band\'s ends, calibrated §7.3; ci has no calibrated runs; modern engines join both experiments', () => {
  const xen = loadProfile('xen-2009');
  const calibrated = { ...xen, name: 'calibrated-test' };
  const full = benchItems(false, xen, calibrated, []);
  const band = ['§7.3 band copy-fast tdb', '§7.3 band copy-slow tdb', '§7.3 band c-request-path tdb', '§7.3 band home-layout tdb', '§7.3 band libxl-toolstack tdb', '§7.3 band libxl-toolstack trie'];
  assert.deepEqual(full.map((i) => i.label), [
    '§7.1 tdb xen-2009', '§7.1 trie xen-2009', '§7.3 tdb xen-2009', '§7.3 trie xen-2009', ...band, '§7.3 tdb calibrated-test', '§7.3 trie calibrated-test',
  ]);
  assert.equal(full[0]!.plan.durationS, 800);
  assert.deepEqual(full[0]!.plan.params, { transactions: 500, layout: 'flat', thinkUs: full[0]!.plan.params['thinkUs'] });
  assert.equal(full[2]!.plan.guests, 160);
  assert.equal(full[2]!.plan.durationS, 1200);
  assert.equal(full[2]!.plan.params['toolstack'], 'xapi-2009');
  assert.equal(full[5]!.profile.name, 'xen-2009~copy-slow');
  assert.equal(full[5]!.profile.engines['tdb']!.counters['bytesCopied'], 0.05);
  assert.equal(full[8]!.plan.params['toolstack'], 'libxl-4.4');
  assert.equal(full[8]!.plan.params['buildMs'], 2000);
  assert.deepEqual(bandEnds(xen).map((e) => e.unknown), ['copy-bandwidth', 'copy-bandwidth', 'request-base', 'layout', 'toolstack']);
  const ci = benchItems(true, xen, undefined, ['trie-replay']);
  assert.deepEqual(ci.map((i) => i.label), ['§7.1 tdb xen-2009', '§7.1 trie xen-2009', '§7.1 trie-replay xen-2009', '§7.3 tdb xen-2009', '§7.3 trie xen-2009', '§7.3 trie-replay xen-2009', ...band]);
});
