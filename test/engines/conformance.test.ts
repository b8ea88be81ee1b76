/**
 * Conformance of every implemented engine to the Engine contract
 * (engines/types.ts) and to the semantics all xstorm engines share:
 * operations, errors, permissions, quota, byte-string values, transactions'
 * isolation. Engine-specific answers (conflicts, listing order) live in
 * conflicts-2009.test.ts and are only asserted for the engines they concern.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMON_COUNTER_NAMES } from '../../engines/index.ts';
import type { Engine, EngineKind } from '../../engines/index.ts';
import { TRIE_COUNTERS } from '../../engines/trie/index.ts';
import { NO_KIDS, TNode, kidsEmpty, kidsForEach, kidsGet, kidsRemove, kidsSet } from '../../engines/trie/node.ts';
import type { Kids } from '../../engines/trie/node.ts';
import { createRandom } from '../../runner/random.ts';
import { isValidAbsolutePath } from '../../engines/trie/validate.ts';
import { validateAbsolutePath } from '../../engines/common/paths.ts';
import fc from 'fast-check';
import { ENGINES_UNDER_TEST, outcome, throwsXs, withEngine } from './engines-under-test.ts';

const BAD_PATHS = ['', 'rel/path', '/a//b', '/a/', '/a b', '/a.b', '/a\u00e9', `/${'x'.repeat(3072)}`];
const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

/** Fresh engine per check where a check mutates the store. */
function each(kind: EngineKind, fn: (e: Engine) => void): void {
  withEngine(kind, fn, { maxNodesPerDomain: 1000 });
}

for (const kind of ENGINES_UNDER_TEST) {
  describe(`engine ${kind}: conformance`, () => {
    test('write then read returns the value; overwrite replaces it', () => each(kind, (e) => {
      e.write(0, 0, '/t/a', 'one');
      assert.equal(e.read(0, 0, '/t/a'), 'one');
      e.write(0, 0, '/t/a', 'two');
      assert.equal(e.read(0, 0, '/t/a'), 'two');
    }));

    test('values are byte strings: all 256 byte values, the empty value and 4096 bytes round-trip', () => each(kind, (e) => {
      e.write(0, 0, '/t/bytes', ALL_BYTES);
      assert.equal(e.read(0, 0, '/t/bytes'), ALL_BYTES);
      const rev = [...ALL_BYTES].reverse().join('');
      e.write(0, 0, '/t/bytes', rev);
      assert.equal(e.read(0, 0, '/t/bytes'), rev);
      e.write(0, 0, '/t/empty', '');
      assert.equal(e.read(0, 0, '/t/empty'), '');
      const big = 'z\u00ff'.repeat(2048);
      e.write(0, 0, '/t/big', big);
      assert.equal(e.read(0, 0, '/t/big'), big);
      const tx = e.txStart(0);
      e.write(0, tx, '/t/txbytes', ALL_BYTES);
      assert.equal(e.read(0, tx, '/t/txbytes'), ALL_BYTES);
      e.txEnd(0, tx, true);
      assert.equal(e.read(0, 0, '/t/txbytes'), ALL_BYTES);
    }));

    test('a value longer than 4096 bytes is E2BIG, in and out of transactions, and changes nothing', () => each(kind, (e) => {
      e.write(0, 0, '/t/v', 'keep');
      throwsXs(() => e.write(0, 0, '/t/v', 'x'.repeat(4097)), 'E2BIG');
      throwsXs(() => e.write(0, 0, '/t/new', 'x'.repeat(4097)), 'E2BIG');
      const tx = e.txStart(0);
      throwsXs(() => e.write(0, tx, '/t/v', 'x'.repeat(4097)), 'E2BIG');
      e.txEnd(0, tx, false);
      assert.equal(e.read(0, 0, '/t/v'), 'keep');
      throwsXs(() => e.read(0, 0, '/t/new'), 'ENOENT');
    }));

    test('a value with a char above U+00FF is EINVAL (values are bytes), in and out of transactions, and changes nothing', () => each(kind, (e) => {
      e.write(0, 0, '/t/v', 'keep');
      for (const bad of ['\u20ac', 'ok\u0100', '\ud83d\ude00']) {
        throwsXs(() => e.write(0, 0, '/t/v', bad), 'EINVAL', JSON.stringify(bad));
        throwsXs(() => e.write(0, 0, '/t/new', bad), 'EINVAL', JSON.stringify(bad));
      }
      const tx = e.txStart(0);
      throwsXs(() => e.write(0, tx, '/t/v', '\u20ac'), 'EINVAL');
      e.txEnd(0, tx, false);
      assert.equal(e.read(0, 0, '/t/v'), 'keep');
      throwsXs(() => e.read(0, 0, '/t/new'), 'ENOENT');
    }));

    test('missing nodes are ENOENT for read, directory, getPerms and setPerms', () => each(kind, (e) => {
      e.write(0, 0, '/t/a', '1');
      for (const p of ['/t/missing', '/nothere/deeper', '/t/a/b']) {
        throwsXs(() => e.read(0, 0, p), 'ENOENT', `read ${p}`);
        throwsXs(() => e.directory(0, 0, p), 'ENOENT', `directory ${p}`);
        throwsXs(() => e.getPerms(0, 0, p), 'ENOENT', `getPerms ${p}`);
        throwsXs(() => e.setPerms(0, 0, p, ['b0']), 'ENOENT', `setPerms ${p}`);
      }
    }));

    test('malformed paths are EINVAL for every operation, in and out of transactions', () => each(kind, (e) => {
      const tx = e.txStart(0);
      for (const t of [0, tx]) {
        for (const p of BAD_PATHS) {
          const name = JSON.stringify(p.slice(0, 12));
          throwsXs(() => e.read(0, t, p), 'EINVAL', `read ${name}`);
          throwsXs(() => e.write(0, t, p, 'v'), 'EINVAL', `write ${name}`);
          throwsXs(() => e.mkdir(0, t, p), 'EINVAL', `mkdir ${name}`);
          throwsXs(() => e.rm(0, t, p), 'EINVAL', `rm ${name}`);
          throwsXs(() => e.directory(0, t, p), 'EINVAL', `directory ${name}`);
          throwsXs(() => e.getPerms(0, t, p), 'EINVAL', `getPerms ${name}`);
          throwsXs(() => e.setPerms(0, t, p, ['b0']), 'EINVAL', `setPerms ${name}`);
        }
      }
      e.txEnd(0, tx, false);
      // The longest valid absolute path is accepted.
      const longest = `/${'y'.repeat(3071)}`;
      e.write(0, 0, longest, 'ok');
      assert.equal(e.read(0, 0, longest), 'ok');
    }));

    test('write creates missing parents with empty values and the parent\'s permissions', () => each(kind, (e) => {
      e.write(0, 0, '/t', '');
      e.setPerms(0, 0, '/t', ['r0', 'w3']);
      e.write(0, 0, '/t/a/b/c', 'leaf');
      assert.equal(e.read(0, 0, '/t/a'), '');
      assert.equal(e.read(0, 0, '/t/a/b'), '');
      assert.equal(e.read(0, 0, '/t/a/b/c'), 'leaf');
      for (const p of ['/t/a', '/t/a/b', '/t/a/b/c']) assert.deepEqual(e.getPerms(0, 0, p), ['r0', 'w3'], p);
      assert.deepEqual(e.directory(0, 0, '/t/a'), ['b']);
    }));

    test('an unprivileged creator becomes the owner of the nodes it creates (other entries inherited)', () => each(kind, (e) => {
      e.mkdir(0, 0, '/shared');
      e.setPerms(0, 0, '/shared', ['n0', 'w5', 'r6']);
      e.write(5, 0, '/shared/x/y', 'from5');
      assert.deepEqual(e.getPerms(0, 0, '/shared/x'), ['n5', 'w5', 'r6']);
      assert.deepEqual(e.getPerms(0, 0, '/shared/x/y'), ['n5', 'w5', 'r6']);
      assert.equal(e.read(5, 0, '/shared/x/y'), 'from5'); // owner
      assert.equal(e.read(6, 0, '/shared/x/y'), 'from5'); // r6 inherited
      throwsXs(() => e.read(7, 0, '/shared/x/y'), 'EACCES'); // default n
      e.mkdir(5, 0, '/shared/m');
      assert.deepEqual(e.getPerms(0, 0, '/shared/m'), ['n5', 'w5', 'r6']);
    }));

    test('mkdir creates an empty node (and parents); on an existing node it is a no-op', () => each(kind, (e) => {
      e.mkdir(0, 0, '/t/d/e');
      assert.equal(e.read(0, 0, '/t/d/e'), '');
      assert.deepEqual(e.directory(0, 0, '/t/d/e'), []);
      e.write(0, 0, '/t/d', 'val');
      e.write(0, 0, '/t/d/kid', 'k');
      e.mkdir(0, 0, '/t/d');
      assert.equal(e.read(0, 0, '/t/d'), 'val');
      assert.deepEqual([...e.directory(0, 0, '/t/d')].sort(), ['e', 'kid']);
    }));

    test('rm is recursive; rm of a missing child of an existing node is OK; missing parent is ENOENT; rm / is EINVAL', () => each(kind, (e) => {
      e.write(0, 0, '/t/r/a/b', '1');
      e.write(0, 0, '/t/r/a/c', '2');
      e.write(0, 0, '/t/r/z', '3');
      e.rm(0, 0, '/t/r/a');
      for (const p of ['/t/r/a', '/t/r/a/b', '/t/r/a/c']) throwsXs(() => e.read(0, 0, p), 'ENOENT', p);
      assert.deepEqual(e.directory(0, 0, '/t/r'), ['z']);
      e.rm(0, 0, '/t/r/a'); // gone already, parent exists: acknowledged
      throwsXs(() => e.rm(0, 0, '/t/nope/deeper'), 'ENOENT');
      throwsXs(() => e.rm(0, 0, '/'), 'EINVAL');
      assert.equal(e.read(0, 0, '/t/r/z'), '3');
      // a removed name can be created again, empty
      e.mkdir(0, 0, '/t/r/a');
      assert.deepEqual(e.directory(0, 0, '/t/r/a'), []);
    }));

    test('directory lists exactly the children (any order here; 2009 order in conflicts-2009)', () => each(kind, (e) => {
      const names = ['k', 'a', 'zz', 'm-1', 'B', '_x', '@y', '0'];
      for (const n of names) e.write(0, 0, `/t/dir/${n}`, n);
      e.write(0, 0, '/t/dir/a/deeper', 'not listed');
      assert.deepEqual([...e.directory(0, 0, '/t/dir')].sort(), [...names].sort());
      assert.deepEqual(e.directory(0, 0, '/t/dir/k'), []);
      assert.ok(e.directory(0, 0, '/').includes('t'));
    }));

    test('getPerms/setPerms round-trip; bad permission lists are EINVAL', () => each(kind, (e) => {
      e.write(0, 0, '/t/p', 'v');
      assert.deepEqual(e.getPerms(0, 0, '/t/p'), e.getPerms(0, 0, '/'));
      for (const perms of [['b0'], ['n5', 'r0'], ['r7', 'w8', 'b9', 'n10']]) {
        e.setPerms(0, 0, '/t/p', perms);
        assert.deepEqual(e.getPerms(0, 0, '/t/p'), perms);
      }
      for (const bad of [[], ['x1'], ['r'], ['r-1'], ['rr1'], ['r1 '], ['r65536']]) {
        throwsXs(() => e.setPerms(0, 0, '/t/p', bad), 'EINVAL', JSON.stringify(bad));
      }
      assert.deepEqual(e.getPerms(0, 0, '/t/p'), ['r7', 'w8', 'b9', 'n10']);
      // the returned array is a copy
      e.getPerms(0, 0, '/t/p').push('b1');
      assert.deepEqual(e.getPerms(0, 0, '/t/p'), ['r7', 'w8', 'b9', 'n10']);
    }));

    // Node /p with perms n8 r5 w6 b7: owner 8, default none. Domain 9 is a stranger.
    const ACCESS: Array<[string, (e: Engine, d: number) => unknown, number[]]> = [
      ['read', (e, d) => e.read(d, 0, '/p'), [5, 7, 8]],
      ['directory', (e, d) => e.directory(d, 0, '/p'), [5, 7, 8]],
      ['getPerms', (e, d) => e.getPerms(d, 0, '/p'), [5, 7, 8]],
      ['write existing', (e, d) => e.write(d, 0, '/p', 'new'), [6, 7, 8]],
      ['write new child (needs write on the parent)', (e, d) => e.write(d, 0, '/p/c', 'new'), [6, 7, 8]],
      ['mkdir new grandchild (needs write on the nearest existing ancestor)', (e, d) => e.mkdir(d, 0, '/p/c/d'), [6, 7, 8]],
      ['mkdir existing', (e, d) => e.mkdir(d, 0, '/p'), [6, 7, 8]],
      ['rm', (e, d) => e.rm(d, 0, '/p'), [6, 7, 8]],
      ['setPerms (owner only)', (e, d) => e.setPerms(d, 0, '/p', ['b8']), [8]],
    ];
    for (const [op, fn, allowed] of ACCESS) {
      test(`permissions: ${op} is allowed for dom0 and doms ${allowed.join(',')}, EACCES for the others`, () => {
        for (const d of [0, 5, 6, 7, 8, 9]) {
          each(kind, (e) => {
            e.write(0, 0, '/p', 'old');
            e.write(0, 0, '/p/kid', 'k');
            e.setPerms(0, 0, '/p', ['n8', 'r5', 'w6', 'b7']);
            const want = d === 0 || allowed.includes(d) ? 'OK' : 'EACCES';
            assert.equal(outcome(() => fn(e, d)), want, `dom${d}`);
            if (want === 'EACCES') {
              assert.equal(e.read(0, 0, '/p'), 'old');
              assert.deepEqual(e.getPerms(0, 0, '/p'), ['n8', 'r5', 'w6', 'b7']);
              throwsXs(() => e.read(0, 0, '/p/c'), 'ENOENT');
            }
          });
        }
      });
    }

    test('permissions apply inside transactions too', () => each(kind, (e) => {
      e.write(0, 0, '/p', 'old');
      e.setPerms(0, 0, '/p', ['n8', 'r5']);
      const tx = e.txStart(5);
      assert.equal(e.read(5, tx, '/p'), 'old');
      throwsXs(() => e.write(5, tx, '/p', 'x'), 'EACCES');
      throwsXs(() => e.rm(5, tx, '/p'), 'EACCES');
      e.txEnd(5, tx, false);
      const t9 = e.txStart(9);
      throwsXs(() => e.read(9, t9, '/p'), 'EACCES');
      e.txEnd(9, t9, false);
    }));

    test('quota: an unprivileged owner may own at most maxNodesPerDomain nodes (EQUOTA), rm gives them back', () => {
      withEngine(kind, (e) => {
        e.mkdir(0, 0, '/home');
        e.setPerms(0, 0, '/home', ['b5']); // /home itself counts for dom5: 1
        e.write(5, 0, '/home/k1', '1');
        e.write(5, 0, '/home/k2', '2'); // 3
        throwsXs(() => e.write(5, 0, '/home/a/b/c', 'x'), 'EQUOTA'); // would be 6
        throwsXs(() => e.read(0, 0, '/home/a'), 'ENOENT'); // nothing half-created
        e.write(5, 0, '/home/k3', '3');
        e.mkdir(5, 0, '/home/k4'); // 5 = the limit
        throwsXs(() => e.write(5, 0, '/home/k5', '5'), 'EQUOTA');
        throwsXs(() => e.mkdir(5, 0, '/home/k5'), 'EQUOTA');
        e.write(5, 0, '/home/k1', 'overwrite is fine');
        e.mkdir(5, 0, '/home/k4'); // existing: no-op, no new node
        const tx = e.txStart(5);
        throwsXs(() => e.write(5, tx, '/home/k6', '6'), 'EQUOTA');
        e.txEnd(5, tx, false);
        e.rm(5, 0, '/home/k4');
        e.write(5, 0, '/home/k5', '5');
        assert.equal(e.read(5, 0, '/home/k5'), '5');
        // dom0 is exempt for nodes it owns
        for (let i = 0; i < 8; i++) e.write(0, 0, `/dom0/n${i}`, 'x');
      }, { maxNodesPerDomain: 5 });
    });

    test('transactions: ids are non-zero and distinct; a transaction sees its own writes, others do not', () => each(kind, (e) => {
      e.write(0, 0, '/t/x', 'base');
      const t1 = e.txStart(0);
      const t2 = e.txStart(0);
      assert.ok(t1 !== 0 && t2 !== 0 && t1 !== t2);
      e.write(0, t1, '/t/x', 't1');
      e.write(0, t1, '/t/new/deep', 'n');
      e.mkdir(0, t1, '/t/dir');
      e.setPerms(0, t1, '/t/x', ['r0']);
      assert.equal(e.read(0, t1, '/t/x'), 't1');
      assert.equal(e.read(0, t1, '/t/new/deep'), 'n');
      assert.deepEqual([...e.directory(0, t1, '/t')].sort(), ['dir', 'new', 'x']);
      assert.deepEqual(e.getPerms(0, t1, '/t/x'), ['r0']);
      // outside and in the other transaction: unchanged
      for (const t of [0, t2]) {
        assert.equal(e.read(0, t, '/t/x'), 'base');
        throwsXs(() => e.read(0, t, '/t/new/deep'), 'ENOENT');
        assert.deepEqual(e.directory(0, t, '/t'), ['x']);
        assert.deepEqual(e.getPerms(0, t, '/t/x'), e.getPerms(0, 0, '/'));
      }
      e.txEnd(0, t2, false);
      const changed = e.txEnd(0, t1, true);
      for (const p of ['/t/x', '/t/new/deep', '/t/dir']) assert.ok(changed.includes(p), `${p} in ${JSON.stringify(changed)}`);
      assert.equal(e.read(0, 0, '/t/x'), 't1');
      assert.equal(e.read(0, 0, '/t/new/deep'), 'n');
      assert.deepEqual(e.getPerms(0, 0, '/t/x'), ['r0']);
    }));

    test('transactions: rm inside a transaction is invisible outside until commit; commit reports it', () => each(kind, (e) => {
      e.write(0, 0, '/t/gone/kid', 'k');
      const tx = e.txStart(0);
      e.rm(0, tx, '/t/gone');
      throwsXs(() => e.read(0, tx, '/t/gone/kid'), 'ENOENT');
      assert.equal(e.read(0, 0, '/t/gone/kid'), 'k');
      const changed = e.txEnd(0, tx, true);
      assert.ok(changed.includes('/t/gone'), JSON.stringify(changed));
      throwsXs(() => e.read(0, 0, '/t/gone'), 'ENOENT');
    }));

    test('transactions: abort discards everything and returns []', () => each(kind, (e) => {
      e.write(0, 0, '/t/x', 'base');
      const tx = e.txStart(0);
      e.write(0, tx, '/t/x', 'changed');
      e.write(0, tx, '/t/y', 'new');
      e.rm(0, tx, '/t/x');
      assert.deepEqual(e.txEnd(0, tx, false), []);
      assert.equal(e.read(0, 0, '/t/x'), 'base');
      throwsXs(() => e.read(0, 0, '/t/y'), 'ENOENT');
    }));

    test('transactions: unknown or ended ids are ENOENT for txEnd and for operations', () => each(kind, (e) => {
      throwsXs(() => e.txEnd(0, 12345, true), 'ENOENT');
      throwsXs(() => e.txEnd(0, 12345, false), 'ENOENT');
      throwsXs(() => e.read(0, 12345, '/'), 'ENOENT');
      throwsXs(() => e.write(0, 12345, '/t/a', 'v'), 'ENOENT');
      const tx = e.txStart(0);
      e.write(0, tx, '/t/a', 'v');
      e.txEnd(0, tx, true);
      throwsXs(() => e.txEnd(0, tx, true), 'ENOENT');
      throwsXs(() => e.read(0, tx, '/t/a'), 'ENOENT');
      const t2 = e.txStart(0);
      e.txEnd(0, t2, false);
      throwsXs(() => e.txEnd(0, t2, false), 'ENOENT');
    }));

    test('an uncontended transaction commits; its ops are durable across later transactions', () => each(kind, (e) => {
      for (let i = 0; i < 20; i++) {
        const tx = e.txStart(0);
        const prev = i === 0 ? 0 : Number(e.read(0, tx, '/t/counter'));
        e.write(0, tx, '/t/counter', String(prev + 1));
        e.txEnd(0, tx, true);
      }
      assert.equal(e.read(0, 0, '/t/counter'), '20');
    }));

    test('counters(): numbers only, a fresh object each call; liveCounters: one object, updated in place', () => each(kind, (e) => {
      const live = e.liveCounters;
      e.write(0, 0, '/t/a', 'v');
      const c = e.counters();
      for (const [k, v] of Object.entries(c)) assert.equal(typeof v, 'number', k);
      assert.deepEqual(Object.keys(live), Object.keys(c));
      c['x-test'] = 1;
      assert.equal(e.counters()['x-test'], undefined);
      assert.notEqual(e.counters(), e.counters());
      e.read(0, 0, '/t/a');
      assert.equal(e.liveCounters, live);
      assert.equal(live['reads'], 1);
      assert.equal(c['reads'], 0);
    }));

    test('common counters mean the same in every engine: calls (failed ones too), commits, aborts = EAGAIN only, voluntaryAborts', () => each(kind, (e) => {
      for (const name of COMMON_COUNTER_NAMES) assert.equal(e.counters()[name], 0, name);
      e.write(0, 0, '/t/k', '0');
      outcome(() => e.read(0, 0, '/t/missing'));
      outcome(() => e.read(0, 99, '/t/k'));
      outcome(() => e.write(0, 0, 'relative', 'v'));
      const conflicting = e.txStart(0);
      e.write(0, conflicting, '/t/k', `${e.read(0, conflicting, '/t/k')}+`);
      e.write(0, 0, '/t/k', 'other');
      throwsXs(() => e.txEnd(0, conflicting, true), 'EAGAIN');
      const dropped = e.txStart(0);
      e.write(0, dropped, '/t/d', 'x');
      e.txEnd(0, dropped, false);
      const readOnly = e.txStart(0);
      e.read(0, readOnly, '/t/k');
      e.txEnd(0, readOnly, true);
      const own = e.txStart(0);
      e.write(0, own, '/t/own', '1');
      e.txEnd(0, own, true);
      throwsXs(() => e.txEnd(0, own, true), 'ENOENT');
      throwsXs(() => e.txEnd(0, own, false), 'ENOENT');
      const c = e.counters();
      assert.deepEqual(Object.fromEntries(COMMON_COUNTER_NAMES.map((name) => [name, c[name]])), {
        reads: 4, writes: 6, directories: 0, rms: 0, mkdirs: 0, getPerms: 0, setPerms: 0,
        txStarts: 4, commits: 2, aborts: 1, voluntaryAborts: 1,
      });
    }));
  });
}

if (ENGINES_UNDER_TEST.includes('trie')) {
  test('engine trie: counters have exactly the cost model\'s names, all present from the start, never decreasing', () => withEngine('trie', (e) => {
    const c0 = e.counters();
    assert.deepEqual(Object.keys(c0).sort(), [...TRIE_COUNTERS].sort());
    for (const k of TRIE_COUNTERS) assert.equal(c0[k], 0, k);
    const steps: Array<() => unknown> = [
      () => e.write(0, 0, '/t/a/b', 'vv'), () => e.read(0, 0, '/t/a/b'), () => e.directory(0, 0, '/t'),
      () => e.mkdir(0, 0, '/t/m'), () => e.getPerms(0, 0, '/t'), () => e.setPerms(0, 0, '/t/m', ['r0']),
      () => e.rm(0, 0, '/t/m'), () => outcome(() => e.read(0, 0, '/nope')),
    ];
    let prev = c0;
    for (const step of steps) {
      step();
      const c = e.counters();
      for (const k of TRIE_COUNTERS) assert.ok(c[k]! >= prev[k]!, k);
      prev = c;
    }
    const a = e.txStart(0);
    const b = e.txStart(0);
    const c = e.txStart(0);
    e.write(0, a, '/t/a/b', '1');
    e.write(0, b, '/t/a/b', '2');
    e.write(0, c, '/u/x', '3');
    e.txEnd(0, a, true); // swap
    assert.equal(outcome(() => e.txEnd(0, b, true)), 'EAGAIN');
    e.txEnd(0, c, true); // coalesced: /u absent at c's start and now, its parent / exists
    const end = e.counters();
    assert.deepEqual(
      { ...end, nodesVisited: 0, nodesAllocated: 0, bytesAllocated: 0 },
      {
        reads: 2, writes: 4, directories: 1, rms: 1, mkdirs: 1, getPerms: 1, setPerms: 1, txStarts: 3,
        commits: 2, coalescedCommits: 1, aborts: 1, voluntaryAborts: 0, nodesVisited: 0, nodesAllocated: 0, bytesAllocated: 0,
      },
    );
    assert.ok(end.nodesVisited! > 0 && end.nodesAllocated! > 0 && end.bytesAllocated! >= 4);
  }));
}

test('engine trie: the persistent child map (B+tree) agrees with a Map through splits and removals, old versions intact', () => {
  const rnd = createRandom(99, 'kids');
  let kids: Kids = NO_KIDS;
  const model = new Map<string, TNode>();
  const snapshots: Array<[Kids, Map<string, TNode>]> = [];
  const check = (k: Kids, m: Map<string, TNode>) => {
    const seen: string[] = [];
    kidsForEach(k, (n) => seen.push(n.name));
    assert.deepEqual(seen, [...m.keys()].sort(), 'contents in name order');
    for (const [name, node] of m) assert.equal(kidsGet(k, name), node, name);
    assert.equal(kidsEmpty(k), m.size === 0);
  };
  // Short names, and long ones that share their first chars (searches compare a prefix key first, names on a tie).
  const nameOf = (i: number) => (i % 3 === 0 ? `n${i}` : i % 3 === 1 ? `device-model-${i}` : `devicf${i % 7}`);
  for (let step = 0; step < 6000; step++) {
    const name = nameOf(Math.floor(rnd() * 2500));
    if (rnd() < 0.7) {
      const node = new TNode(name, String(step), ['n0'], NO_KIDS, step);
      kids = kidsSet(kids, node);
      model.set(name, node);
    } else {
      const before = kids;
      kids = kidsRemove(kids, name);
      if (!model.delete(name)) assert.equal(kids, before, 'removing an absent name returns the same map');
      assert.equal(kidsGet(kids, name), undefined);
    }
    if (step % 1000 === 999) {
      check(kids, model);
      snapshots.push([kids, new Map(model)]);
    }
  }
  for (const [k, m] of snapshots) check(k, m); // structural sharing never mutated an older version
  for (const name of [...model.keys()]) kids = kidsRemove(kids, name); // drain: collapses back to empty
  check(kids, new Map());
  assert.equal(kidsGet(kids, 'n1'), undefined);
});

test('engine trie: the fast path check accepts exactly what validateAbsolutePath accepts', () => {
  const common = (p: string) => outcome(() => validateAbsolutePath(p)) === 'OK';
  const chars = fc.constantFrom('/', '/', '/', 'a', 'Z', '0', '9', '-', '_', '@', '.', ' ', '\u00e9', '\u0000', '*');
  fc.assert(fc.property(fc.string({ unit: chars, maxLength: 12 }), (p) => {
    assert.equal(isValidAbsolutePath(p), common(p), JSON.stringify(p));
  }), { seed: 4, numRuns: 3000 });
  for (const p of ['/', '//', '/a', '/a/', `/${'x'.repeat(3071)}`, `/${'x'.repeat(3072)}`, `/${'x'.repeat(3070)}/`, '', 'a', '/a//b', '/@/_/-']) {
    assert.equal(isValidAbsolutePath(p), common(p), JSON.stringify(p.slice(0, 8)));
  }
});
