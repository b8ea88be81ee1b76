/**
 * Conflict scenarios (shared/realxs/conflict_probe.py and more): A runs a
 * transaction, B acts in the middle, A commits. The expected answer of each
 * 2009 engine is derived from its algorithm (FACTS.md §2) and named in the
 * test:
 *  - tdb (2009 C xenstored): a global generation, bumped by every
 *    non-transactional write and every commit; A fails with EAGAIN if it
 *    moved since A's start — whatever A touched, read-only or empty included.
 *  - trie (2009 oxenstored): root unchanged → swap roots; else coalesce when
 *    the nodes at A's read and write low-paths are the very same objects in
 *    A's start root and the live root (parents' perms unchanged), or absent in
 *    both with the parent present now; else EAGAIN.
 * Only 'tdb' and 'trie' are asserted here: the modern engines have their own
 * tests.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../../engines/index.ts';
import { ENGINES_2009, outcome, withEngine } from './engines-under-test.ts';

type Op =
  | ['r', string] // read (may fail: the failure is part of the scenario)
  | ['w', string, string]
  | ['l', string] // directory
  | ['m', string] // mkdir
  | ['rm', string]
  | ['sp', string, string[]]; // setPerms

type BAction = { ops: Op[] } | { tx: Op[]; commit?: boolean };

interface Scenario {
  name: string;
  keys: Record<string, string>;
  a: Op[];
  b: BAction;
  /** B acts before A's first operation (but after A's start). */
  before?: boolean;
  tdb: 'OK' | 'EAGAIN';
  /** 'SWAP' = live root unchanged, 'COALESCE' = grafted; both are OK to the client. */
  trie: 'SWAP' | 'COALESCE' | 'EAGAIN';
  why: string;
  /** Store checks after A's end (dom0 reads), trie only. */
  after?: Record<string, string | null>;
}

const P = '/probe';
const GEN = 'generation moved since A started';

const SCENARIOS: Scenario[] = [
  {
    name: 'rmw same key (A: read x, write x | B: write x)', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { ops: [['w', `${P}/x`, '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'node x at both low-paths is a new object',
  },
  {
    name: 'read-only tx (A: read x | B: write x)', keys: { x: '0' },
    a: [['r', `${P}/x`]], b: { ops: [['w', `${P}/x`, '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'read-only transactions are validated in 2009: read low-path x changed',
  },
  {
    name: 'write-only blind (A: write x | B: write x)', keys: { x: '0' },
    a: [['w', `${P}/x`, '1']], b: { ops: [['w', `${P}/x`, '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'write low-path x changed (no replay in 2009)',
  },
  {
    name: 'read x, write y (A) | B: write x', keys: { x: '0', y: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/y`, '1']], b: { ops: [['w', `${P}/x`, '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'read low-path x changed',
  },
  {
    name: 'disjoint siblings (A: rmw x | B: write y)', keys: { x: '0', y: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { ops: [['w', `${P}/y`, '9']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'x is the same object in both roots: A grafted at x',
    after: { [`${P}/x`]: '1', [`${P}/y`]: '9' },
  },
  {
    name: 'disjoint elsewhere (A: rmw x | B: write /probe-other/z)', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { ops: [['w', '/probe-other/z', '9']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'x untouched by B',
    after: { [`${P}/x`]: '1', '/probe-other/z': '9' },
  },
  {
    name: 'A touches x and y | B: write sibling z', keys: { x: '0', y: '0', z: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/y`, '1']], b: { ops: [['w', `${P}/z`, '9']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'read low-path x and write low-path y both untouched',
    after: { [`${P}/y`]: '1', [`${P}/z`]: '9' },
  },
  {
    name: 'A: ls dir, write y | B: change value of child x', keys: { x: '0' },
    a: [['l', P], ['w', `${P}/y`, '1']], b: { ops: [['w', `${P}/x`, '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'read low-path /probe was path-copied by B\'s write below it',
  },
  {
    name: 'A: ls dir, write y | B: create new child n', keys: { x: '0' },
    a: [['l', P], ['w', `${P}/y`, '1']], b: { ops: [['w', `${P}/n`, '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'read low-path /probe changed',
  },
  {
    name: 'phantom: A reads missing m (ENOENT), writes y | B: creates m', keys: { y: '0' },
    a: [['r', `${P}/m`], ['w', `${P}/y`, '1']], b: { ops: [['w', `${P}/m`, '9']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'a read that failed with ENOENT is not recorded; write low-path y untouched',
    after: { [`${P}/y`]: '1', [`${P}/m`]: '9' },
  },
  {
    name: 'A creates new child a | B creates new child b', keys: { x: '0' },
    a: [['w', `${P}/a`, '1']], b: { ops: [['w', `${P}/b`, '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'writing a new node records its parent /probe, which B changed',
  },
  {
    name: 'A: rmw x | B: rm x', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { ops: [['rm', `${P}/x`]] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'x present at start, absent now',
  },
  {
    name: 'A: rmw x | B: writes x with SAME value', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { ops: [['w', `${P}/x`, '0']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'Node.set_value keeps the same node for an equal value (only ancestors copied)',
    after: { [`${P}/x`]: '1' },
  },
  {
    name: 'A: rmw x | B: rmw x in its own tx, commits first', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { tx: [['r', `${P}/x`], ['w', `${P}/x`, '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'B\'s root swap replaced x',
    after: { [`${P}/x`]: '9' },
  },
  {
    name: 'write skew, existing keys (A: read x, write y | B tx: read y, write x)', keys: { x: '0', y: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/y`, '1']], b: { tx: [['r', `${P}/y`], ['w', `${P}/x`, '1']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'A\'s read low-path x was replaced by B',
  },
  {
    name: 'write skew via ENOENT (A: read missing m, write y | B tx: read y, create m)', keys: { y: '0' },
    a: [['r', `${P}/m`], ['w', `${P}/y`, '1']], b: { tx: [['r', `${P}/y`], ['w', `${P}/m`, '1']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'ANOMALY: the ENOENT read is not recorded, y untouched by B, both commit (not serialisable)',
    after: { [`${P}/y`]: '1', [`${P}/m`]: '1' },
  },
  {
    name: 'snapshot point: B writes x after A\'s start, before A reads x; A: rmw x', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { ops: [['w', `${P}/x`, '9']] }, before: true,
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'A reads its start snapshot; x changed since',
  },
  // ---- more of our own -----------------------------------------------------
  {
    name: 'nothing in between (A: rmw x)', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { ops: [] },
    tdb: 'OK', trie: 'SWAP', why: 'nothing committed since A started',
    after: { [`${P}/x`]: '1' },
  },
  {
    name: 'B only reads and lists (non-transactional)', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { ops: [['r', `${P}/x`], ['l', P], ['r', `${P}/missing`]] },
    tdb: 'OK', trie: 'SWAP', why: 'reads change nothing',
  },
  {
    name: 'B\'s transaction writes x then aborts', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { tx: [['w', `${P}/x`, '9']], commit: false },
    tdb: 'OK', trie: 'SWAP', why: 'an aborted transaction changes nothing',
    after: { [`${P}/x`]: '1' },
  },
  {
    name: 'empty transaction (A does nothing) | B: write elsewhere', keys: { x: '0' },
    a: [], b: { ops: [['w', '/probe-other/z', '9']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'no low-paths: commit_partial accepts (and counts a coalesce)',
  },
  {
    name: 'read-only tx (A: read x) | B: write elsewhere', keys: { x: '0' },
    a: [['r', `${P}/x`]], b: { ops: [['w', '/probe-other/z', '9']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'read low-path x untouched',
  },
  {
    name: 'A: rmw x | B: setPerms on parent /probe', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { ops: [['sp', P, ['r0']]] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'x is the same object but a parent\'s permissions changed',
  },
  {
    name: 'A: rmw x | B: setPerms on /probe-other', keys: { x: '0' },
    a: [['r', `${P}/x`], ['w', `${P}/x`, '1']], b: { ops: [['w', '/probe-other', ''], ['sp', '/probe-other', ['r0']]] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'perms changed off A\'s low-paths\' ancestry',
  },
  {
    name: 'A: mkdir new child c | B creates new child b', keys: { x: '0' },
    a: [['m', `${P}/c`]], b: { ops: [['w', `${P}/b`, '9']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: '2009 mkdir records the new node itself (not its parent): absent in both roots, parent present → grafted',
    after: { [`${P}/c`]: '', [`${P}/b`]: '9' },
  },
  {
    name: 'A: mkdir new child c | B: mkdir the same c', keys: { x: '0' },
    a: [['m', `${P}/c`]], b: { ops: [['m', `${P}/c`]] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'c absent at A\'s start, present now',
  },
  {
    name: 'A: write /probe/q/r/s creating q and r | B creates sibling b', keys: { x: '0' },
    a: [['w', `${P}/q/r/s`, '1']], b: { ops: [['w', `${P}/b`, '9']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'implicit mkdirs record the topmost created node q: absent in both, parent present',
    after: { [`${P}/q/r/s`]: '1', [`${P}/b`]: '9' },
  },
  {
    name: 'A: write /probe/q/r/s creating q and r | B creates /probe/q/other', keys: { x: '0' },
    a: [['w', `${P}/q/r/s`, '1']], b: { ops: [['w', `${P}/q/other`, '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'q absent at A\'s start, present now',
  },
  {
    name: 'A: rm x | B: write sibling y', keys: { x: '0', y: '0' },
    a: [['rm', `${P}/x`]], b: { ops: [['w', `${P}/y`, '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'rm records the parent /probe, which B changed',
  },
  {
    name: 'A: rm x | B: write elsewhere', keys: { x: '0' },
    a: [['rm', `${P}/x`]], b: { ops: [['w', '/probe-other/z', '9']] },
    tdb: 'EAGAIN', trie: 'COALESCE', why: 'parent /probe untouched: the graft removes x',
    after: { [`${P}/x`]: null, '/probe-other/z': '9' },
  },
  {
    name: 'A reads /probe/x and /probe-other/z, writes x | B: write /elsewhere', keys: { x: '0' },
    a: [['r', `${P}/x`], ['r', '/probe-other/z'], ['w', `${P}/x`, '1']], b: { ops: [['w', '/elsewhere', '9']] },
    tdb: 'EAGAIN', trie: 'EAGAIN', why: 'the read low-path collapses to / which any change replaces',
  },
];

function apply(e: Engine, domid: number, tx: number, op: Op): void {
  switch (op[0]) {
    case 'r': e.read(domid, tx, op[1]); break;
    case 'w': e.write(domid, tx, op[1], op[2]); break;
    case 'l': e.directory(domid, tx, op[1]); break;
    case 'm': e.mkdir(domid, tx, op[1]); break;
    case 'rm': e.rm(domid, tx, op[1]); break;
    case 'sp': e.setPerms(domid, tx, op[1], op[2]); break;
  }
}

function runB(e: Engine, b: BAction): void {
  if ('ops' in b) {
    for (const op of b.ops) outcome(() => apply(e, 0, 0, op));
    return;
  }
  const t = e.txStart(0);
  for (const op of b.tx) outcome(() => apply(e, 0, t, op));
  e.txEnd(0, t, b.commit ?? true);
}

for (const kind of ENGINES_2009) {
  describe(`engine ${kind}: 2009 conflict answers`, () => {
    for (const sc of SCENARIOS) {
      const want = kind === 'tdb' ? sc.tdb : sc.trie === 'EAGAIN' ? 'EAGAIN' : 'OK';
      const why = kind === 'tdb' ? (sc.tdb === 'EAGAIN' ? GEN : 'generation unchanged') : `${sc.trie.toLowerCase()}: ${sc.why}`;
      test(`${sc.name} → A gets ${want} (${why})`, () => withEngine(kind, (e) => {
        for (const [k, v] of Object.entries(sc.keys)) e.write(0, 0, `${P}/${k}`, v);
        e.write(0, 0, '/probe-other/z', '0');
        const before = e.counters();
        const a = e.txStart(0);
        if (sc.before) runB(e, sc.b);
        for (const op of sc.a) outcome(() => apply(e, 0, a, op));
        if (!sc.before) runB(e, sc.b);
        const mid = e.counters();
        const got = outcome(() => e.txEnd(0, a, true));
        assert.equal(got, want);
        const end = e.counters();
        if (kind === 'trie') {
          assert.equal(end.aborts! - mid.aborts!, want === 'EAGAIN' ? 1 : 0, 'aborts');
          assert.equal(end.coalescedCommits! - mid.coalescedCommits!, sc.trie === 'COALESCE' ? 1 : 0, 'coalescedCommits');
          assert.equal(end.commits! - mid.commits!, want === 'OK' ? 1 : 0, 'commits');
          assert.ok(end.txStarts! > before.txStarts!);
          for (const [p, v] of Object.entries(sc.after ?? {})) {
            if (v === null) assert.equal(outcome(() => e.read(0, 0, p)), 'ENOENT', p);
            else assert.equal(e.read(0, 0, p), v, p);
          }
        }
        // The transaction is over either way.
        assert.equal(outcome(() => e.txEnd(0, a, true)), 'ENOENT');
      }));
    }

    test('directory lists children in creation order (2009: C appends child names; OCaml prepends and reverses)', () => withEngine(kind, (e) => {
      for (const n of ['z', 'a', 'm']) e.write(0, 0, `${P}/${n}`, n);
      assert.deepEqual(e.directory(0, 0, P), ['z', 'a', 'm']);
      e.write(0, 0, `${P}/a`, 'again'); // overwrite keeps the place
      assert.deepEqual(e.directory(0, 0, P), ['z', 'a', 'm']);
      e.rm(0, 0, `${P}/z`);
      e.mkdir(0, 0, `${P}/z`); // re-created: newest
      assert.deepEqual(e.directory(0, 0, P), ['a', 'm', 'z']);
      const tx = e.txStart(0);
      e.write(0, tx, `${P}/b`, '1');
      assert.deepEqual(e.directory(0, tx, P), ['a', 'm', 'z', 'b']);
      e.txEnd(0, tx, true);
      assert.deepEqual(e.directory(0, 0, P), ['a', 'm', 'z', 'b']);
    }));
  });
}

if (ENGINES_2009.includes('trie')) {
  describe('engine trie: coalescing details', () => {
    test('a node grafted by a coalesced commit becomes the newest child (2009 add_child at commit time)', () => withEngine('trie', (e) => {
      e.write(0, 0, `${P}/x`, '0');
      const a = e.txStart(0);
      e.mkdir(0, a, `${P}/from-a`);
      e.write(0, 0, `${P}/from-b`, '1');
      assert.deepEqual(e.txEnd(0, a, true), [`${P}/from-a`]);
      assert.deepEqual(e.directory(0, 0, P), ['x', 'from-b', 'from-a']);
    }));

    test('a read that fails with EACCES is not recorded either (same rule as ENOENT)', () => withEngine('trie', (e) => {
      e.write(0, 0, `${P}/secret`, 's');
      e.setPerms(0, 0, `${P}/secret`, ['n0']);
      e.write(0, 0, `${P}/mine`, '0');
      e.setPerms(0, 0, `${P}/mine`, ['b5']);
      const a = e.txStart(5);
      assert.equal(outcome(() => e.read(5, a, `${P}/secret`)), 'EACCES');
      e.write(5, a, `${P}/mine`, '1');
      e.write(0, 0, `${P}/secret`, 'changed');
      assert.deepEqual(e.txEnd(5, a, true), [`${P}/mine`]);
      assert.equal(e.counters().coalescedCommits, 1);
    }));

    test('quota changes of a coalesced commit are applied to the live counts', () => withEngine('trie', (e) => {
      e.mkdir(0, 0, '/home');
      e.setPerms(0, 0, '/home', ['b5']);
      const a = e.txStart(5);
      e.write(5, a, '/home/k1', '1');
      e.write(5, a, '/home/k2', '2'); // dom5 owns 3 inside A
      e.write(0, 0, '/other', 'x'); // live root moves: A will coalesce at /home
      e.txEnd(5, a, true);
      assert.equal(e.counters().coalescedCommits, 1);
      assert.equal(outcome(() => e.write(5, 0, '/home/k3', '3')), 'EQUOTA');
    }, { maxNodesPerDomain: 3 }));
  });
}
