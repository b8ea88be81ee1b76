/**
 * Property tests (fast-check, fixed seeds, bounded runs):
 *  1. random non-transactional operation sequences (domains 0, 5, 6; valid
 *     and invalid paths; perms; quota) give the same results and errors on
 *     every engine as on the reference model, and the same final store;
 *  2. random interleavings of 2–3 concurrent transactions (plus
 *     non-transactional operations): every transaction sees its start
 *     snapshot plus its own writes; for `tdb`, committed histories are
 *     serialisable in commit order (replaying them on the reference model
 *     gives the same reads and the same final store); for `trie`, every
 *     non-serialisable history is explained by one of the anomalies the 2009
 *     algorithm admits, each pinned by a deterministic test below.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Engine, EngineKind } from '../../engines/index.ts';
import { isXsError } from '../../engines/index.ts';
import { ENGINES_UNDER_TEST, outcome, withEngine } from './engines-under-test.ts';
import { RefStore, dumpEngine, sortedDump } from './reference-model.ts';
import type { DumpEntry } from './reference-model.ts';

/** Listing order is creation order for the 2009 engines; the others are compared as sets. */
const ORDERED: readonly EngineKind[] = ['tdb', 'trie'];
const cmpDump = (kind: EngineKind, d: DumpEntry[]) => (ORDERED.includes(kind) ? d : sortedDump(d));

// ---- operations -----------------------------------------------------------

type Op =
  | { k: 'read' | 'directory' | 'getPerms' | 'mkdir' | 'rm'; d: number; p: string }
  | { k: 'write'; d: number; p: string; v: string }
  | { k: 'setPerms'; d: number; p: string; perms: string[] };

/** Result of one operation: a value, a list, 'OK' or an errno. */
type Res = string | string[];

function runEngine(e: Engine, tx: number, op: Op): Res {
  try {
    switch (op.k) {
      case 'read': return `=${e.read(op.d, tx, op.p)}`;
      case 'directory': return e.directory(op.d, tx, op.p);
      case 'getPerms': return e.getPerms(op.d, tx, op.p);
      case 'write': e.write(op.d, tx, op.p, op.v); return 'OK';
      case 'mkdir': e.mkdir(op.d, tx, op.p); return 'OK';
      case 'rm': e.rm(op.d, tx, op.p); return 'OK';
      case 'setPerms': e.setPerms(op.d, tx, op.p, op.perms); return 'OK';
    }
  } catch (err) {
    if (isXsError(err)) return err.code;
    throw err;
  }
}

function runModel(m: RefStore, op: Op): Res {
  try {
    switch (op.k) {
      case 'read': return `=${m.read(op.d, op.p)}`;
      case 'directory': return m.directory(op.d, op.p);
      case 'getPerms': return m.getPerms(op.d, op.p);
      case 'write': m.write(op.d, op.p, op.v); return 'OK';
      case 'mkdir': m.mkdir(op.d, op.p); return 'OK';
      case 'rm': m.rm(op.d, op.p); return 'OK';
      case 'setPerms': m.setPerms(op.d, op.p, op.perms); return 'OK';
    }
  } catch (err) {
    if (isXsError(err)) return err.code;
    throw err;
  }
}

/** Directory results compared in order for 2009 engines, as sets otherwise. */
function normRes(kind: EngineKind, op: Op, r: Res): Res {
  return Array.isArray(r) && op.k === 'directory' && !ORDERED.includes(kind) ? [...r].sort() : r;
}

const show = (op: Op): string => JSON.stringify(op);

// ---- 1. non-transactional sequences ---------------------------------------

const PATHS = ['/t', '/t/a', '/t/b', '/t/a/x', '/t/a/x/y', '/t/b/x', '/u', '/u/v/w', '/'];
const BAD = ['t/a', '/t//a', '/t/', '/t/a b'];
const PERMS = [['n0'], ['r0'], ['b5'], ['n5', 'r6'], ['w6'], ['n6', 'b5'], ['r5', 'w6'], ['q1']];

const pathArb = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...PATHS) }, { weight: 1, arbitrary: fc.constantFrom(...BAD) });
const domArb = fc.constantFrom(0, 0, 5, 6);
const valueArb = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(4097)) },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constantFrom<'read' | 'directory' | 'getPerms' | 'mkdir' | 'rm'>('read', 'directory', 'getPerms', 'mkdir', 'rm'), d: domArb, p: pathArb }),
  fc.record({ k: fc.constant('write' as const), d: domArb, p: pathArb, v: valueArb }),
  fc.record({ k: fc.constant('write' as const), d: domArb, p: pathArb, v: valueArb }),
  fc.record({ k: fc.constant('setPerms' as const), d: domArb, p: pathArb, perms: fc.constantFrom(...PERMS) }),
);

/** Common starting point: /t writable by dom5, readable by dom6. */
function setup(e: Engine): void {
  e.write(0, 0, '/t/a', 'seed');
  e.setPerms(0, 0, '/t', ['n0', 'w5', 'r6']);
}

for (const kind of ENGINES_UNDER_TEST) {
  describe(`engine ${kind}: properties`, () => {
    test('random non-transactional sequences agree with the reference model (results, errors, final store)', () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
          withEngine(kind, (e) => {
            setup(e);
            const m = RefStore.fromDump(dumpEngine(e), 4, kind === 'tdb-pernode');
            for (const op of ops) {
              const want = normRes(kind, op, runModel(m, op));
              const got = normRes(kind, op, runEngine(e, 0, op));
              assert.deepEqual(got, want, show(op));
            }
            assert.deepEqual(cmpDump(kind, dumpEngine(e)), cmpDump(kind, m.dump()));
          }, { maxNodesPerDomain: 4 });
        }),
        { seed: 20090901, numRuns: kind === 'trie' ? 300 : 120 },
      );
    });

    if (kind === 'tdb' || kind === 'trie') {
      test('random transaction interleavings: snapshot reads; committed history vs serial replay', () => {
        const tally = new Map<string, number>();
        fc.assert(
          fc.property(historyArb, (h) => {
            withEngine(kind, (e) => {
              const verdict = checkHistory(kind, e, h);
              if (verdict !== 'serialisable') {
                assert.equal(kind, 'trie', `tdb history not serialisable: ${verdict}`);
                assert.ok(verdict.startsWith('explained:'), verdict);
                tally.set(verdict, (tally.get(verdict) ?? 0) + 1);
              }
            });
          }),
          { seed: 7311, numRuns: kind === 'trie' ? 400 : 150 },
        );
        if (kind === 'trie') {
          // The generator does reach the anomalies: report which ones were seen.
          console.log(`# trie anomalies seen in random histories: ${JSON.stringify(Object.fromEntries(tally))}`);
          assert.ok((tally.get('explained:failed-read') ?? 0) > 0, 'the ENOENT write skew shows up');
        }
      });
    }
  });
}

// ---- 2. transaction interleavings -----------------------------------------

const TX_PATHS = ['/t/a', '/t/b', '/t/a/c', '/t/b/c', '/t/c'];
const txOpArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constantFrom<'read' | 'directory' | 'mkdir' | 'rm'>('read', 'read', 'directory', 'mkdir', 'rm'), d: fc.constant<number>(0), p: fc.constantFrom(...TX_PATHS, '/t') }),
  fc.record({ k: fc.constant('write' as const), d: fc.constant<number>(0), p: fc.constantFrom(...TX_PATHS), v: fc.constantFrom<string>('0', '1', '2') }),
  fc.record({ k: fc.constant('setPerms' as const), d: fc.constant<number>(0), p: fc.constantFrom('/t', '/t/a', '/t/b'), perms: fc.constantFrom<string[]>(['n0'], ['r0'], ['b0']) }),
);

interface History {
  txs: Array<{ ops: Op[]; commit: boolean }>;
  /** Non-transactional operations, one actor. */
  loose: Op[];
  /** Scheduler picks. */
  picks: number[];
  /** Initial store: which of TX_PATHS exist. */
  init: boolean[];
}

const historyArb: fc.Arbitrary<History> = fc.record({
  txs: fc.array(fc.record({ ops: fc.array(txOpArb, { minLength: 0, maxLength: 4 }), commit: fc.constantFrom(true, true, true, false) }), { minLength: 2, maxLength: 3 }),
  loose: fc.array(txOpArb, { maxLength: 2 }),
  picks: fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
  init: fc.array(fc.boolean(), { minLength: TX_PATHS.length, maxLength: TX_PATHS.length }),
});

/** Marks of a transaction's unrecorded observations (the 2009 trie's blind spots). */
interface Marks {
  failedRead: boolean;
  failedOp: boolean;
  noopMkdir: boolean;
  noopRm: boolean;
  created: boolean;
}

/** Runs the history on the engine and judges it: 'serialisable', 'explained:<kind>' or a failure text. */
function checkHistory(kind: EngineKind, e: Engine, h: History): string {
  TX_PATHS.forEach((p, i) => { if (h.init[i]) e.write(0, 0, p, 'i'); });
  e.mkdir(0, 0, '/t');
  const start = RefStore.fromDump(dumpEngine(e));
  // Effect log, in effect order: non-tx op at its time, a transaction at its commit.
  const effects: Array<{ ops: Op[]; results: Res[] }> = [];
  const txState = h.txs.map(() => ({
    id: 0, step: 0, view: null as RefStore | null, results: [] as Res[], marks: { failedRead: false, failedOp: false, noopMkdir: false, noopRm: false, created: false } as Marks,
    startEffect: 0, done: false,
  }));
  let loosePos = 0;
  const committed: Array<{ marks: Marks; window: Op[] }> = [];
  let pick = 0;
  const actors = (): number[] => {
    const out: number[] = [];
    txState.forEach((s, i) => { if (!s.done) out.push(i); });
    if (loosePos < h.loose.length) out.push(-1);
    return out;
  };
  for (let guard = 0; guard < 100; guard++) {
    const live = actors();
    if (live.length === 0) break;
    const a = live[(h.picks[pick++ % h.picks.length] ?? 0) % live.length]!;
    if (a === -1) {
      const op = h.loose[loosePos++]!;
      effects.push({ ops: [op], results: [runEngine(e, 0, op)] });
      continue;
    }
    const s = txState[a]!;
    const prog = h.txs[a]!;
    if (s.id === 0) {
      s.id = e.txStart(0);
      s.view = RefStore.fromDump(dumpEngine(e));
      s.startEffect = effects.length;
      continue;
    }
    if (s.step < prog.ops.length) {
      const op = prog.ops[s.step++]!;
      const view = s.view!;
      // The transaction must see its start snapshot plus its own writes.
      const existed = op.k !== 'setPerms' && view.nodes.has(op.p);
      const want = runModel(view, op);
      const got = runEngine(e, s.id, op);
      if (JSON.stringify(got) !== JSON.stringify(want)) return `snapshot violated in tx ${a}: ${show(op)} got ${JSON.stringify(got)} want ${JSON.stringify(want)}`;
      s.results.push(got);
      const failed = typeof got === 'string' && got !== 'OK' && !got.startsWith('=');
      if (failed && (op.k === 'read' || op.k === 'directory' || op.k === 'getPerms')) s.marks.failedRead = true;
      else if (failed) s.marks.failedOp = true;
      if (op.k === 'mkdir' && existed) s.marks.noopMkdir = true;
      if (op.k === 'rm' && !existed) s.marks.noopRm = true;
      if ((op.k === 'mkdir' || op.k === 'write') && !existed) s.marks.created = true;
      continue;
    }
    s.done = true;
    const r = outcome(() => e.txEnd(0, s.id, prog.commit));
    if (r === 'OK' && prog.commit) {
      const window = effects.slice(s.startEffect).flatMap((x) => x.ops);
      committed.push({ marks: s.marks, window });
      effects.push({ ops: prog.ops, results: s.results });
    } else if (r !== 'OK' && r !== 'EAGAIN') {
      return `unexpected txEnd result ${r}`;
    }
  }
  // Serial replay in effect order.
  const serial = start.clone();
  let mismatch = '';
  for (const ef of effects) {
    ef.ops.forEach((op, i) => {
      const want = runModel(serial, op);
      if (!mismatch && JSON.stringify(want) !== JSON.stringify(ef.results[i])) mismatch = `${show(op)}: history ${JSON.stringify(ef.results[i])}, serial ${JSON.stringify(want)}`;
    });
  }
  if (!mismatch && JSON.stringify(dumpEngine(e)) !== JSON.stringify(serial.dump())) mismatch = 'final store differs from the serial replay';
  if (!mismatch) return 'serialisable';
  // Explain it by an unrecorded observation of some committed transaction.
  for (const c of committed) {
    if (c.marks.failedRead) return 'explained:failed-read';
  }
  for (const c of committed) {
    if (c.marks.failedOp) return 'explained:failed-write-op';
  }
  for (const c of committed) {
    if (c.marks.noopMkdir) return 'explained:noop-mkdir';
    if (c.marks.noopRm) return 'explained:noop-rm';
    if (c.marks.created && c.window.some((op) => op.k === 'setPerms')) return 'explained:stale-inherited-perms';
  }
  return `NOT explained: ${mismatch}`;
}

// ---- pinned anomalies of the 2009 trie --------------------------------------

if (ENGINES_UNDER_TEST.includes('trie')) {
  describe('engine trie: pinned 2009 anomalies (non-serialisable histories it commits)', () => {
    test('write skew through a read that failed with ENOENT: both commit, no serial order gives this', () => withEngine('trie', (e) => {
      e.write(0, 0, '/t/y', '0');
      const a = e.txStart(0);
      const b = e.txStart(0);
      assert.equal(outcome(() => e.read(0, a, '/t/m')), 'ENOENT'); // A: "m absent"
      e.write(0, a, '/t/y', 'A saw no m');
      assert.equal(e.read(0, b, '/t/y'), '0'); // B: "y untouched"
      e.write(0, b, '/t/m', 'B saw y=0');
      assert.deepEqual(e.txEnd(0, b, true), ['/t/m']); // root swap
      assert.deepEqual(e.txEnd(0, a, true), ['/t/y']); // coalesced at /t/y: A's failed read was never recorded
      assert.equal(e.read(0, 0, '/t/y'), 'A saw no m');
      assert.equal(e.read(0, 0, '/t/m'), 'B saw y=0');
      assert.equal(e.counters().coalescedCommits, 1);
    }));

    test('a modifying operation that failed (here setPerms → ENOENT) is not recorded either: the same write skew', () => withEngine('trie', (e) => {
      e.write(0, 0, '/t/y', '0');
      const a = e.txStart(0);
      const b = e.txStart(0);
      assert.equal(outcome(() => e.setPerms(0, a, '/t/m', ['r0'])), 'ENOENT');
      e.write(0, a, '/t/y', 'A found no m');
      assert.equal(e.read(0, b, '/t/y'), '0');
      e.write(0, b, '/t/m', 'B saw y=0');
      e.txEnd(0, b, true);
      e.txEnd(0, a, true);
      assert.equal(e.read(0, 0, '/t/y'), 'A found no m');
      assert.equal(e.read(0, 0, '/t/m'), 'B saw y=0');
    }));

    test('mkdir of an existing node is an unrecorded no-op: a concurrent rm of it is lost to A\'s view', () => withEngine('trie', (e) => {
      e.write(0, 0, '/t/n', '');
      e.write(0, 0, '/t/y', '0');
      const a = e.txStart(0);
      const b = e.txStart(0);
      e.mkdir(0, a, '/t/n'); // exists: nothing recorded
      e.write(0, a, '/t/y', '1');
      assert.equal(e.read(0, b, '/t/y'), '0');
      e.rm(0, b, '/t/n');
      e.txEnd(0, b, true);
      e.txEnd(0, a, true); // coalesced: /t/y untouched by B
      // Serial A;B would have B read y=1; serial B;A would leave /t/n present.
      assert.equal(outcome(() => e.read(0, 0, '/t/n')), 'ENOENT');
      assert.equal(e.read(0, 0, '/t/y'), '1');
    }));

    test('rm of a missing node is an unrecorded no-op: a concurrent creation survives A\'s rm', () => withEngine('trie', (e) => {
      e.write(0, 0, '/t/y', '0');
      const a = e.txStart(0);
      const b = e.txStart(0);
      e.rm(0, a, '/t/n'); // missing, parent exists: acknowledged, nothing recorded
      e.write(0, a, '/t/y', '1');
      assert.equal(e.read(0, b, '/t/y'), '0');
      e.write(0, b, '/t/n', 'B');
      e.txEnd(0, b, true);
      e.txEnd(0, a, true);
      assert.equal(e.read(0, 0, '/t/n'), 'B');
      assert.equal(e.read(0, 0, '/t/y'), '1');
    }));

    test('a node created through the absent/absent rule keeps permissions inherited from a stale parent', () => withEngine('trie', (e) => {
      e.mkdir(0, 0, '/t/p');
      const a = e.txStart(0);
      e.mkdir(0, a, '/t/p/c'); // 2009 mkdir records /t/p/c itself, absent in both roots
      e.setPerms(0, 0, '/t/p', ['r0']); // B, in A's window
      assert.deepEqual(e.directory(0, 0, '/t/p'), []); // B sees no c: B precedes A in any serial order
      e.txEnd(0, a, true); // coalesced: no permission check for absent/absent
      // B;A would give c the perms ['r0'] (inherited at creation); A;B contradicts B's listing.
      assert.deepEqual(e.getPerms(0, 0, '/t/p/c'), ['n0']);
    }));
  });
}
