/**
 * The `trie` engine writes a new value into an existing node in place when
 * nothing but the live root can see the tree (engines/trie/engine.ts, module
 * comment): no transaction open, or at the commit of the last open one. These
 * deterministic tests pin that this is invisible: every view (open
 * transactions' snapshots, reads before a commit, aborts) sees what path
 * copying gives, and the work counters count the same copy either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrieEngine } from '../../engines/trie/index.ts';
import { outcome } from './engines-under-test.ts';

const PATH = '/local/domain/1/data';

function store(): TrieEngine {
  const e = new TrieEngine();
  e.write(0, 0, PATH, 'v0');
  e.write(0, 0, '/local/domain/2/data', 'other');
  return e;
}

test('trie in place: a write with no transaction open is seen by later reads and snapshots, not by earlier snapshots', () => {
  const e = store();
  e.write(0, 0, PATH, 'v1'); // no transaction open: in place
  assert.equal(e.read(0, 0, PATH), 'v1');
  const t = e.txStart(0);
  assert.equal(e.read(0, t, PATH), 'v1');
  e.write(0, 0, PATH, 'v2'); // t holds the tree: copied
  assert.equal(e.read(0, t, PATH), 'v1', 'the snapshot keeps its value');
  assert.equal(e.read(0, 0, PATH), 'v2');
  assert.equal(outcome(() => e.txEnd(0, t, true)), 'EAGAIN', 't read a node replaced since its start');
  e.write(0, 0, PATH, 'v3'); // none open again: in place
  assert.equal(e.read(0, 0, PATH), 'v3');
});

test('trie in place: a transaction write shows in its own reads at once and elsewhere only at commit', () => {
  const e = store();
  const a = e.txStart(0);
  e.write(0, a, PATH, 'a1');
  assert.equal(e.read(0, 0, PATH), 'v0', 'not before the commit');
  assert.deepEqual(e.txEnd(0, a, true), [PATH]);
  assert.equal(e.read(0, 0, PATH), 'a1');

  const b = e.txStart(0);
  e.write(0, b, PATH, 'b1');
  assert.equal(e.read(0, b, PATH), 'b1', 'its own write');
  e.write(0, b, '/local/domain/2/data', 'b2');
  assert.equal(e.read(0, 0, PATH), 'a1');
  e.txEnd(0, b, true);
  assert.equal(e.read(0, 0, PATH), 'b1');
  assert.equal(e.read(0, 0, '/local/domain/2/data'), 'b2');

  const c = e.txStart(0);
  e.write(0, c, PATH, 'c1');
  assert.deepEqual(e.txEnd(0, c, false), []);
  assert.equal(e.read(0, 0, PATH), 'b1', 'an aborted write leaves no trace');
});

test('trie in place: a commit leaves the snapshot of a transaction still open untouched', () => {
  const e = store();
  const a = e.txStart(0);
  e.write(0, a, PATH, 'a1');
  const b = e.txStart(0); // starts from the live root, which a's write must not reach
  e.txEnd(0, a, true);
  assert.equal(e.read(0, 0, PATH), 'a1');
  assert.equal(e.read(0, b, PATH), 'v0', 'b sees its start');
  assert.equal(outcome(() => e.txEnd(0, b, true)), 'EAGAIN', 'b read a node replaced since its start');

  // A write made while the live root moved is copied and coalesced as before.
  const c = e.txStart(0);
  e.write(0, c, PATH, 'c1');
  e.write(0, 0, '/local/domain/2/data', 'live');
  assert.deepEqual(e.txEnd(0, c, true), [PATH]);
  assert.equal(e.read(0, 0, PATH), 'c1');
  assert.equal(e.read(0, 0, '/local/domain/2/data'), 'live');
});

/** Work counter changes made by `f`. */
function work(e: TrieEngine, f: () => void): Record<string, number> {
  const before = e.counters();
  f();
  const after = e.counters();
  const out: Record<string, number> = {};
  for (const k of ['nodesVisited', 'nodesAllocated', 'bytesAllocated'] as const) out[k] = after[k]! - before[k]!;
  return out;
}

test('trie in place: a write counts the path copy it stands for, in place or copied', () => {
  // Walk: root, local, domain, 1, data. Copy: data with 'v1' (4 + 2 bytes)
  // and its four ancestors ('' + local + domain + 1 = 12 bytes).
  const changed = { nodesVisited: 5, nodesAllocated: 5, bytesAllocated: 18 };
  const same = { nodesVisited: 5, nodesAllocated: 4, bytesAllocated: 12 }; // the node itself is kept
  for (const value of ['v1', 'v0']) {
    const want = value === 'v0' ? same : changed;
    const e = store();
    assert.deepEqual(work(e, () => e.write(0, 0, PATH, value)), want, 'in place');
    e.write(0, 0, PATH, 'v0');
    const open = e.txStart(0);
    assert.deepEqual(work(e, () => e.write(0, 0, PATH, value)), want, 'copied (a transaction is open)');
    e.txEnd(0, open, false);

    e.write(0, 0, PATH, 'v0');
    const a = e.txStart(0);
    assert.deepEqual(work(e, () => e.write(0, a, PATH, value)), want, 'in a transaction');
    assert.deepEqual(work(e, () => e.txEnd(0, a, true)), { nodesVisited: 0, nodesAllocated: 0, bytesAllocated: 0 });
  }
});

test('trie in place: a new value of a node with children changes what copies below it count', () => {
  const e = store();
  e.write(0, 0, PATH, 'v1');
  e.write(0, 0, PATH, 'v2'); // the second walk under one root is memoised
  e.write(0, 0, '/local/domain/1', 'abc'); // in place: every copy below it now counts 3 more bytes
  assert.deepEqual(work(e, () => e.write(0, 0, PATH, 'v3')), { nodesVisited: 5, nodesAllocated: 5, bytesAllocated: 21 });
  const t = e.txStart(0);
  assert.deepEqual(work(e, () => e.write(0, t, PATH, 'v4')), { nodesVisited: 5, nodesAllocated: 5, bytesAllocated: 21 });
  e.txEnd(0, t, true);
  assert.equal(e.read(0, 0, '/local/domain/1'), 'abc');
  assert.equal(e.read(0, 0, PATH), 'v4');
});
