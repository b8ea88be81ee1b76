/**
 * tdb-pernode: the Xen 4.17 cxenstored transaction rules (per-node
 * generations, accessed-node lists), beyond the probe scenarios.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NODES_PER_TRANSACTION, createTdbPernodeEngine } from '../../engines/tdb-pernode/index.ts';
import { isXsError } from '../../engines/common/errors.ts';
import type { Engine } from '../../engines/types.ts';

function outcome(fn: () => unknown): string {
  try {
    const v = fn();
    return v === undefined ? 'OK' : JSON.stringify(v);
  } catch (e) {
    if (isXsError(e)) return e.code;
    throw e;
  }
}

function fresh(): Engine {
  const e = createTdbPernodeEngine({});
  e.write(0, 0, '/a/x', '0');
  e.write(0, 0, '/a/y', '0');
  return e;
}

test('a read copies the committed node at the FIRST access: later commits are not seen, the commit then fails', () => {
  const e = fresh();
  const tx = e.txStart(0);
  e.write(0, 0, '/a/x', '5'); // before the first read: seen
  assert.equal(e.read(0, tx, '/a/x'), '5');
  e.write(0, 0, '/a/x', '9'); // after it: not seen
  assert.equal(e.read(0, tx, '/a/x'), '5');
  assert.equal(outcome(() => e.txEnd(0, tx, true)), 'EAGAIN');
});

test('a node read as missing stays missing for the transaction, and its creation by others is a conflict', () => {
  const e = fresh();
  const tx = e.txStart(0);
  assert.equal(outcome(() => e.read(0, tx, '/a/m')), 'ENOENT');
  e.write(0, 0, '/a/m', '1');
  assert.equal(outcome(() => e.read(0, tx, '/a/m')), 'ENOENT');
  assert.equal(outcome(() => e.txEnd(0, tx, true)), 'EAGAIN');
});

test('ENOENT also reads the ancestors up to the first existing one (errno_from_parents): a new sibling conflicts', () => {
  const e = fresh();
  const tx = e.txStart(0);
  assert.equal(outcome(() => e.read(0, tx, '/a/b/c')), 'ENOENT'); // accesses /a/b/c, /a/b and /a
  e.write(0, 0, '/a/x', '7'); // a child's value: /a itself unchanged
  assert.equal(outcome(() => e.txEnd(0, tx, true)), '[]');
  const tx2 = e.txStart(0);
  assert.equal(outcome(() => e.read(0, tx2, '/a/b/c')), 'ENOENT');
  e.write(0, 0, '/a/z', '1'); // /a's child list changes
  assert.equal(outcome(() => e.txEnd(0, tx2, true)), 'EAGAIN');
});

test('a same-value write by another caller is a conflict; an abort never is', () => {
  const e = fresh();
  const tx = e.txStart(0);
  e.read(0, tx, '/a/x');
  e.write(0, 0, '/a/x', '0');
  assert.equal(outcome(() => e.txEnd(0, tx, false)), '[]');
  const tx2 = e.txStart(0);
  e.read(0, tx2, '/a/x');
  e.write(0, 0, '/a/x', '0');
  assert.equal(outcome(() => e.txEnd(0, tx2, true)), 'EAGAIN');
});

test('cxenstored EIO: rm in a transaction of a node created after the transaction copied its parent', () => {
  const e = fresh();
  const tx = e.txStart(0);
  assert.deepEqual(e.directory(0, tx, '/a'), ['x', 'y']); // copies /a
  e.write(0, 0, '/a/n', '1'); // committed after the copy
  assert.equal(outcome(() => e.rm(0, tx, '/a/n')), 'EIO');
  assert.equal(outcome(() => e.read(0, tx, '/a/n')), 'ENOENT'); // deleted in the transaction all the same
  assert.equal(outcome(() => e.txEnd(0, tx, true)), 'EAGAIN');
  assert.equal(e.read(0, 0, '/a/n'), '1');
});

test('directory order is creation order (child names are appended)', () => {
  const e = fresh();
  e.write(0, 0, '/a/c', '');
  e.write(0, 0, '/a/b', '');
  e.rm(0, 0, '/a/x');
  e.mkdir(0, 0, '/a/x');
  assert.deepEqual(e.directory(0, 0, '/a'), ['y', 'c', 'b', 'x']);
});

test('commit applies the writes and reports the changed paths; counters count accesses and generation checks', () => {
  const e = fresh();
  const before = e.counters();
  const tx = e.txStart(0);
  assert.equal(e.read(0, tx, '/a/x'), '0'); // access 1: /a/x
  e.write(0, tx, '/a/y', '1'); // access 2: /a/y
  e.write(0, tx, '/a/n/m', '2'); // accesses 3-5: /a/n/m, /a/n (missing), /a
  assert.deepEqual(e.txEnd(0, tx, true), ['/a/y', '/a/n/m']);
  assert.equal(e.read(0, 0, '/a/n/m'), '2');
  const after = e.counters();
  assert.equal(after.nodesAccessed! - before.nodesAccessed!, 5);
  assert.equal(after.generationChecks! - before.generationChecks!, 5);
  assert.equal(after.commits! - before.commits!, 1);
  assert.equal(after.txStarts! - before.txStarts!, 1);
});

test('a guest transaction may access at most 1024 nodes (ENOSPC), after which it cannot commit; dom0 is exempt', () => {
  const e = createTdbPernodeEngine({});
  e.mkdir(0, 0, '/g');
  e.setPerms(0, 0, '/g', ['b0']);
  const tx = e.txStart(7);
  for (let i = 0; i < MAX_NODES_PER_TRANSACTION - 1; i++) assert.equal(outcome(() => e.read(7, tx, `/g/n${i}`)), 'ENOENT');
  // 1023 missing nodes + /g = 1024 accessed: the next new node is refused.
  assert.equal(outcome(() => e.read(7, tx, '/g/one-more')), 'ENOSPC');
  assert.equal(outcome(() => e.read(7, tx, '/g/n0')), 'ENOENT'); // already accessed: fine
  assert.equal(outcome(() => e.txEnd(7, tx, true)), 'ENOMEM');
  const t0 = e.txStart(0);
  for (let i = 0; i < MAX_NODES_PER_TRANSACTION + 10; i++) outcome(() => e.read(0, t0, `/g/n${i}`));
  assert.equal(outcome(() => e.txEnd(0, t0, true)), '[]');
});
