/**
 * trie-replay: the Xen 4.17 oxenstored transaction rules (snapshot,
 * coalescing, replay) and its conflict-credit throttling of guest domains.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONFLICT_BURST_LIMIT, CONFLICT_REFILL_SECONDS, TrieReplayEngine, createTrieReplayEngine, hasConflictThrottle,
} from '../../engines/trie-replay/index.ts';
import { createTdbPernodeEngine } from '../../engines/tdb-pernode/index.ts';
import { isXsError } from '../../engines/common/errors.ts';

function outcome(fn: () => unknown): string {
  try {
    const v = fn();
    return v === undefined ? 'OK' : JSON.stringify(v);
  } catch (e) {
    if (isXsError(e)) return e.code;
    throw e;
  }
}

function delta(e: TrieReplayEngine, before: Record<string, number>, names: string[]): Record<string, number> {
  const now: Record<string, number> = e.counters();
  return Object.fromEntries(names.map((n) => [n, now[n]! - before[n]!]));
}

function fresh(): TrieReplayEngine {
  const e = new TrieReplayEngine({});
  e.write(0, 0, '/a/x', '0');
  e.write(0, 0, '/a/y', '0');
  return e;
}

test('oxenstored write skew through a read that failed with ENOENT: both transactions commit (not serialisable)', () => {
  const e = fresh();
  const a = e.txStart(0);
  const b = e.txStart(0);
  assert.equal(outcome(() => e.read(0, a, '/a/m')), 'ENOENT'); // A: "m is absent, so I may set y"
  e.write(0, a, '/a/y', '1');
  assert.equal(e.read(0, b, '/a/y'), '0'); // B: "y is 0, so I may create m"
  e.write(0, b, '/a/m', '1');
  assert.deepEqual(e.txEnd(0, b, true), ['/a/m']);
  // A's failed read is not in its read low-path: only /a/y is checked, unchanged: coalesced.
  assert.deepEqual(e.txEnd(0, a, true), ['/a/y']);
  assert.equal(e.read(0, 0, '/a/y'), '1');
  assert.equal(e.read(0, 0, '/a/m'), '1');
  assert.equal(e.counters().coalescedCommits, 1);
});

test('snapshot at start: a transaction reads start-time values; read-only transactions always commit', () => {
  const e = fresh();
  const tx = e.txStart(0);
  e.write(0, 0, '/a/x', '9');
  assert.equal(e.read(0, tx, '/a/x'), '0');
  assert.deepEqual(e.directory(0, tx, '/a'), ['x', 'y']);
  const before = e.counters();
  assert.deepEqual(e.txEnd(0, tx, true), []);
  assert.deepEqual(delta(e, before, ['commits', 'readOnlyCommits', 'replays']), { commits: 1, readOnlyCommits: 1, replays: 0 });
});

test('commit paths: swap, coalesce, replay (identical replies) and EAGAIN (a reply differs), with their counters', () => {
  const e = fresh();
  const names = ['commits', 'coalescedCommits', 'replays', 'replayedRequests', 'replayCommits', 'conflicts'];
  let before = e.counters();
  const swap = e.txStart(0);
  e.write(0, swap, '/a/x', '1');
  e.txEnd(0, swap, true);
  assert.deepEqual(delta(e, before, names), { commits: 1, coalescedCommits: 0, replays: 0, replayedRequests: 0, replayCommits: 0, conflicts: 0 });

  before = e.counters();
  const blind = e.txStart(0);
  e.write(0, blind, '/a/x', '2'); // write low-path /a/x
  e.write(0, 0, '/a/x', '3'); // /a/x replaced: no coalescing; the replayed write answers OK again
  e.txEnd(0, blind, true);
  assert.equal(e.read(0, 0, '/a/x'), '2');
  assert.deepEqual(delta(e, before, names), { commits: 1, coalescedCommits: 0, replays: 1, replayedRequests: 1, replayCommits: 1, conflicts: 0 });

  before = e.counters();
  const rmw = e.txStart(0);
  e.write(0, rmw, '/a/x', `${Number(e.read(0, rmw, '/a/x')) + 1}`);
  e.write(0, 0, '/a/x', '7'); // the replayed read answers 7, not 2
  assert.equal(outcome(() => e.txEnd(0, rmw, true)), 'EAGAIN');
  assert.equal(e.read(0, 0, '/a/x'), '7');
  assert.deepEqual(delta(e, before, names), { commits: 0, coalescedCommits: 0, replays: 1, replayedRequests: 1, replayCommits: 0, conflicts: 1 });

  before = e.counters();
  const sibling = e.txStart(0);
  e.write(0, sibling, '/a/y', '5');
  e.write(0, 0, '/a/x', '8'); // /a/y untouched: coalesced
  e.txEnd(0, sibling, true);
  assert.deepEqual([e.read(0, 0, '/a/x'), e.read(0, 0, '/a/y')], ['8', '5']);
  assert.deepEqual(delta(e, before, names), { commits: 1, coalescedCommits: 1, replays: 0, replayedRequests: 0, replayCommits: 0, conflicts: 0 });
});

test('a same-value write keeps the node itself, so a transaction on it still coalesces', () => {
  const e = fresh();
  const tx = e.txStart(0);
  e.write(0, tx, '/a/x', `${Number(e.read(0, tx, '/a/x')) + 1}`);
  e.write(0, 0, '/a/x', '0');
  assert.deepEqual(e.txEnd(0, tx, true), ['/a/x']);
  assert.equal(e.counters().coalescedCommits, 1);
});

test('directory order is ascending by name (oxenstored SymbolMap), whatever the creation order', () => {
  const e = fresh();
  for (const n of ['c', 'B', 'b', 'a1', 'a']) e.write(0, 0, `/a/${n}`, '');
  assert.deepEqual(e.directory(0, 0, '/a'), ['B', 'a', 'a1', 'b', 'c', 'x', 'y']);
});

test('only trie-replay exposes the throttle; its constants are Debian\'s oxenstored.conf', () => {
  assert.equal(hasConflictThrottle(createTrieReplayEngine({})), true);
  assert.equal(hasConflictThrottle(createTdbPernodeEngine({})), false);
  assert.equal(CONFLICT_BURST_LIMIT, 5);
  assert.equal(CONFLICT_REFILL_SECONDS, 0.05);
});

/** dom1 runs a read-modify-write transaction; dom2 writes the key in between: dom1's replay fails. */
function conflictCausedBy(e: TrieReplayEngine, culprit: number): string {
  const tx = e.txStart(1);
  const v = e.read(1, tx, '/shared/k');
  e.write(culprit, 0, '/shared/k', `${v}+`);
  e.write(1, tx, '/shared/k', `${v}!`);
  return outcome(() => e.txEnd(1, tx, true));
}

function sharedStore(): TrieReplayEngine {
  const e = new TrieReplayEngine({});
  e.write(0, 0, '/shared/k', '0');
  e.setPerms(0, 0, '/shared/k', ['b0']); // everyone may read and write
  return e;
}

test('conflict credits: the guest whose commit broke a replay loses a point; at 0 it is paused; dom0 is never charged', () => {
  const e = sharedStore();
  let firstPauses = 0;
  e.throttle.onFirstPause(() => firstPauses++);
  assert.equal(e.throttle.credit(2), 5);
  for (let i = 1; i <= 4; i++) {
    assert.equal(conflictCausedBy(e, 2), 'EAGAIN');
    assert.equal(e.throttle.credit(2), 5 - i);
    assert.equal(e.throttle.isPaused(2), false);
  }
  assert.equal(conflictCausedBy(e, 2), 'EAGAIN');
  assert.equal(e.throttle.credit(2), 0);
  assert.equal(e.throttle.isPaused(2), true);
  assert.deepEqual(e.throttle.pausedDomains(), [2]);
  assert.equal(firstPauses, 1);
  assert.equal(conflictCausedBy(e, 2), 'EAGAIN'); // the engine still answers; the daemon must not serve dom2
  assert.equal(e.throttle.credit(2), -1); // floor
  assert.equal(e.throttle.credit(1), 5); // the victim is not charged
  for (let i = 0; i < 3; i++) assert.equal(conflictCausedBy(e, 0), 'EAGAIN');
  assert.equal(e.throttle.credit(0), 5);
  assert.deepEqual(
    [e.counters().conflictsBlamed, e.counters().domainPauses, e.counters().conflicts],
    [6, 1, 9],
  );
});

test('conflict credits come back one point per refill period: paused domains first, then penalised ones up to the cap', () => {
  const e = sharedStore();
  for (let i = 0; i < 5; i++) conflictCausedBy(e, 2); // dom2: 0, paused
  for (let i = 0; i < 2; i++) conflictCausedBy(e, 3); // dom3: 3, penalised
  const credits = (): number[] => [e.throttle.credit(2), e.throttle.credit(3)];
  assert.deepEqual(credits(), [0, 3]);
  const seen: number[][] = [];
  for (let i = 0; i < 6; i++) {
    e.throttle.refill();
    seen.push(credits());
  }
  // Refill 1 un-pauses dom2; then the penalty queue (dom2 queued first, then dom3) is served round-robin.
  assert.deepEqual(seen, [[1, 3], [2, 3], [2, 4], [3, 4], [3, 5], [4, 5]]);
  assert.equal(e.throttle.isPaused(2), false);
  assert.equal(e.counters().creditRefills, 6);
});

test('a commit older than the history window (one refill period) is not blamed', () => {
  const e = sharedStore();
  const tx = e.txStart(1);
  const v = e.read(1, tx, '/shared/k');
  e.write(2, 0, '/shared/k', 'changed');
  e.throttle.refill();
  e.throttle.refill(); // the transaction is no longer "short-running": history dropped
  e.write(1, tx, '/shared/k', `${v}!`);
  assert.equal(outcome(() => e.txEnd(1, tx, true)), 'EAGAIN');
  assert.equal(e.throttle.credit(2), 5);
  assert.equal(e.counters().conflictsBlamed, 0);
});
