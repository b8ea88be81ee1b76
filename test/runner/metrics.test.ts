import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRecorder, mergeSnapshots, summarize } from '../../runner/metrics.ts';
import { XsType } from '../../protocol/wire.ts';
import type { Clock } from '../../protocol/types.ts';

function fakeClock(start = 1000): Clock & { t: number } {
  const clock = { t: start, now: () => clock.t, sleep: async (ms: number) => { clock.t += ms; } };
  return clock;
}

const END = XsType.TRANSACTION_END;
const READ = XsType.READ;

// Latencies below 2.048 ms (2048 µs) are exact in a 3-digit HdrHistogram,
// so every expected figure here is exact.
test('one recorder: counts, histograms, fairness, timeline, events', () => {
  const clock = fakeClock(0);
  const rec = new MetricsRecorder({ originMs: 0, bucketMs: 1, clock });
  const g0 = rec.observer({ id: 'guest-0', actorClass: 'guest', isGuest: true });
  const g1 = rec.observer({ id: 'guest-1', actorClass: 'guest', isGuest: true });
  rec.observer({ id: 'guest-2', actorClass: 'guest', isGuest: true });
  const ts = rec.observer({ id: 'toolstack', actorClass: 'toolstack', isGuest: false });
  g0.onRequest!(READ, 0, 0.1, undefined); // 100 µs
  g0.onRequest!(END, 0.1, 0.3, 'EAGAIN'); // 200 µs, bucket 0
  g0.onRequest!(END, 1.0, 1.4, undefined); // 400 µs, bucket 1
  g0.onTransaction!(2, 0, 1.4, true);
  g1.onRequest!(READ, 1.0, 1.8, 'ENOENT'); // 800 µs
  g1.onRequest!(END, 1.0, 2.6, undefined); // 1600 µs, bucket 2
  g1.onTransaction!(1, 1.0, 2.6, true);
  ts.onRequest!(END, 2.0, 2.1, 'EAGAIN'); // 100 µs, bucket 2
  ts.onTransaction!(5, 0, 2.0, false);
  clock.t = 250;
  rec.record('guestStarted', 1);
  clock.t = 1750;
  rec.record('guestStarted', 2);
  rec.count('droppedIterations', 3);

  const s = summarize(rec.snapshot(), 2);
  assert.equal(s.requests, 6);
  assert.equal(s.commits, 2);
  assert.equal(s.eagain, 2);
  assert.equal(s.otherErrors, 1);
  assert.equal(s.logicalTxns, 3);
  assert.equal(s.goodput, 1); // 2 committed logical txns / 2 s
  assert.equal(s.throughput, 3);
  assert.equal(s.abortRate, 0.5);
  assert.deepEqual(s.retries, { mean: 5 / 3, p99: 4, max: 4 });
  assert.deepEqual(s.requestLatency, { count: 6, mean: 3200 / 6 / 1000, p50: 0.2, p90: 1.6, p99: 1.6, p999: 1.6, max: 1.6 });
  assert.deepEqual(s.latency, { count: 3, mean: 5000 / 3 / 1000, p50: 1.6, p90: 2, p99: 2, p999: 2, max: 2 });
  assert.deepEqual(s.fairness, { minCommits: 0, maxCommits: 1, starved: 1 });
  assert.deepEqual(s.timeline, [
    { tS: 0, commits: 0, eagain: 1 },
    { tS: 0.001, commits: 1, eagain: 0 },
    { tS: 0.002, commits: 1, eagain: 1 },
  ]);
  assert.deepEqual(s.guestStarts, [{ guest: 1, timeS: 0.25 }, { guest: 2, timeS: 1.75 }]);
  assert.deepEqual(rec.snapshot().counters, { droppedIterations: 3 });
  assert.deepEqual(rec.snapshot().errors, { EAGAIN: 2, ENOENT: 1 });
  assert.deepEqual(rec.snapshot().classBuckets, {
    guest: { 0: { attempts: 1, commits: 0 }, 1: { attempts: 1, commits: 1 }, 2: { attempts: 1, commits: 1 } },
    toolstack: { 2: { attempts: 1, commits: 0 } },
  });
});

test('snapshots merge across recorders (as from several worker threads)', () => {
  const clock = fakeClock(0);
  const a = new MetricsRecorder({ originMs: 0, bucketMs: 1000, clock });
  const b = new MetricsRecorder({ originMs: 0, bucketMs: 1000, clock });
  const ga = a.observer({ id: 'guest-0', actorClass: 'guest', isGuest: true });
  const gb = b.observer({ id: 'guest-1', actorClass: 'guest', isGuest: true });
  for (let i = 0; i < 3; i++) ga.onRequest!(END, i * 1000, i * 1000 + 0.01, undefined);
  gb.onRequest!(END, 500, 500.02, 'EAGAIN');
  gb.onRequest!(END, 2500, 2500.02, undefined);
  ga.onTransaction!(1, 0, 10, true);
  gb.onTransaction!(2, 500, 2520, true);
  clock.t = 3000;
  b.record('x', 7);
  clock.t = 1000;
  a.record('x', 5);
  // Structured clone stands for postMessage between threads.
  const merged = mergeSnapshots([structuredClone(a.snapshot()), structuredClone(b.snapshot())]);
  assert.equal(merged.commits, 4);
  assert.equal(merged.eagain, 1);
  assert.deepEqual(merged.classBuckets, { guest: { 0: { attempts: 2, commits: 1 }, 1: { attempts: 1, commits: 1 }, 2: { attempts: 2, commits: 2 } } });
  assert.deepEqual(merged.events, { x: [[1000, 5], [3000, 7]] });
  assert.deepEqual(merged.actors.map((x) => [x.id, x.commits, x.attempts]), [['guest-0', 3, 3], ['guest-1', 1, 2]]);
  const s = summarize(merged, 4);
  assert.equal(s.requests, 5);
  assert.equal(s.goodput, 0.5);
  assert.equal(s.abortRate, 0.2);
  assert.deepEqual(s.requestLatency, { count: 5, mean: 0.014, p50: 0.01, p90: 0.02, p99: 0.02, p999: 0.02, max: 0.02 });
  assert.deepEqual(s.retries, { mean: 0.5, p99: 1, max: 1 });
  assert.deepEqual(s.fairness, { minCommits: 1, maxCommits: 3, starved: 0 });
  assert.throws(() => mergeSnapshots([a.snapshot(), new MetricsRecorder({ originMs: 5, clock }).snapshot()]), RangeError);
});

test('close() drops observations after the measured end; empty run summarises to zeros', () => {
  const clock = fakeClock(0);
  const rec = new MetricsRecorder({ originMs: 0, clock });
  const g = rec.observer({ id: 'g', actorClass: 'guest', isGuest: true });
  g.onRequest!(END, 0, 5, undefined);
  rec.close(10);
  g.onRequest!(END, 8, 11, undefined);
  clock.t = 12;
  rec.record('late', 1);
  const s = summarize(rec.snapshot(), 0);
  assert.equal(s.commits, 1);
  assert.equal(s.goodput, 0);
  assert.deepEqual(s.events, {});
  const empty = summarize(new MetricsRecorder({ originMs: 0, clock }).snapshot(), 1);
  assert.deepEqual(empty.latency, { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  assert.deepEqual(empty.retries, { mean: 0, p99: 0, max: 0 });
  assert.deepEqual(empty.fairness, { minCommits: 0, maxCommits: 0, starved: 0 });
  assert.equal(empty.abortRate, 0);
  assert.equal(empty.guestStarts, undefined);
});

test('logical transactions still open at the end are censored: counted at their wait so far', () => {
  const clock = fakeClock(0);
  const rec = new MetricsRecorder({ originMs: 0, bucketMs: 1000, clock });
  const START = XsType.TRANSACTION_START;
  const a = rec.observer({ id: 'guest-0', actorClass: 'guest', isGuest: true });
  const b = rec.observer({ id: 'guest-1', actorClass: 'guest', isGuest: true });
  const c = rec.observer({ id: 'guest-2', actorClass: 'guest', isGuest: true });
  // a: one transaction that commits after a retry (opened at its first start, 0 ms), then a second still open from 1.5 ms.
  a.onRequest!(START, 0, 0.1, undefined);
  a.onRequest!(END, 0.1, 0.2, 'EAGAIN');
  a.onRequest!(START, 0.2, 0.3, undefined);
  a.onRequest!(END, 0.3, 1, undefined);
  a.onTransaction!(2, 0, 1, true);
  a.onRequest!(START, 1.5, 1.6, undefined);
  // b: opened at 1 ms and retrying when the run stops at 3 ms.
  b.onRequest!(START, 1, 1.1, undefined);
  b.onRequest!(END, 1.1, 1.2, 'EAGAIN');
  b.onRequest!(START, 1.2, 1.3, undefined);
  rec.close(3);
  // c's transaction started before the stop, but its end came after it: still open at the stop.
  c.onRequest!(START, 2, 2.5, undefined);
  c.onTransaction!(1, 2, 3.5, true);
  const s = summarize(rec.snapshot(), 0.003);
  assert.deepEqual(s.openTxns, { count: 3, meanWaitMs: (1.5 + 2 + 1) / 3, maxWaitMs: 2 });
  // 1 ms finished + waits of 1.5, 2 and 1 ms.
  assert.deepEqual(s.latencyWithOpen, { count: 4, mean: 5.5 / 4, p50: 1, p90: 2, p99: 2, p999: 2, max: 2 });
  assert.equal(s.latency.count, 1);
  // Merged across threads, an actor's open transaction survives.
  assert.deepEqual(summarize(mergeSnapshots([rec.snapshot(), rec.snapshot()]), 0.003).openTxns?.count, 3);
  // Nothing open: no censoring fields.
  const quiet = new MetricsRecorder({ originMs: 0, bucketMs: 1000, clock });
  const q = quiet.observer({ id: 'guest-0', actorClass: 'guest', isGuest: true });
  q.onRequest!(START, 0, 0.1, undefined);
  q.onRequest!(END, 0.1, 0.2, undefined);
  q.onTransaction!(1, 0, 0.2, true);
  const sq = summarize(quiet.snapshot(), 1);
  assert.equal(sq.openTxns, undefined);
  assert.equal(sq.latencyWithOpen, undefined);
});

test('retries count the transactions still retrying at the end, not only the ones that finished', () => {
  const clock = fakeClock(0);
  const rec = new MetricsRecorder({ originMs: 0, bucketMs: 1000, clock });
  const lucky = rec.observer({ id: 'guest-0', actorClass: 'guest', isGuest: true });
  const unlucky = rec.observer({ id: 'guest-1', actorClass: 'guest', isGuest: true });
  const quitter = rec.observer({ id: 'guest-2', actorClass: 'guest', isGuest: true });
  // guest-0 commits twice at the first attempt.
  lucky.onRequest!(END, 0, 1, undefined);
  lucky.onTransaction!(1, 0, 1, true);
  lucky.onRequest!(END, 1, 2, undefined);
  lucky.onTransaction!(1, 1, 2, true);
  // guest-1 is refused 6 times and never commits: one transaction still retrying.
  for (let i = 0; i < 6; i++) unlucky.onRequest!(END, i, i + 0.5, 'EAGAIN');
  // guest-2 gives up after 3 refused attempts (2 retries), then is refused once more in a new transaction.
  for (let i = 0; i < 3; i++) quitter.onRequest!(END, i, i + 0.5, 'EAGAIN');
  quitter.onTransaction!(3, 0, 2.5, false);
  quitter.onRequest!(END, 3, 3.5, 'EAGAIN');
  rec.close(10);
  const s = summarize(rec.snapshot(), 10);
  assert.equal(s.logicalTxns, 3);
  assert.equal(s.abortRate, 10 / 12);
  // Per transaction: 0, 0, 2 (gave up), 6 and 1 (still retrying): 9 retries over 5 transactions.
  assert.deepEqual(s.retries, { mean: 9 / 5, p99: 6, max: 6 });
  // A snapshot does not change the recorder: the open retries are counted again, once.
  assert.deepEqual(summarize(rec.snapshot(), 10).retries, { mean: 9 / 5, p99: 6, max: 6 });
  // Once guest-1 commits at its 7th attempt, its transaction is one of the finished ones (6 retries).
  unlucky.onRequest!(END, 6, 6.5, undefined);
  unlucky.onTransaction!(7, 0, 6.5, true);
  assert.deepEqual(summarize(rec.snapshot(), 10).retries, { mean: 9 / 5, p99: 6, max: 6 });
  assert.deepEqual(rec.snapshot().actors.map((a) => Object.keys(a).sort()), Array(3).fill(['actorClass', 'attempts', 'commits', 'id', 'isGuest', 'openSinceMs']));
});
