/**
 * No lost update, on every engine: N logical clients, interleaved one engine
 * call at a time by a seeded scheduler, increment counters (their own and a
 * shared one) in transactions and retry on EAGAIN. At the end every counter
 * equals the number of commits that incremented it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine, EngineKind } from '../../engines/index.ts';
import { isXsError } from '../../engines/index.ts';
import { createRandom } from '../../runner/random.ts';
import { ENGINES_UNDER_TEST, withEngine } from './engines-under-test.ts';

interface Plan {
  clients: number;
  /** Successful increments each client must make. */
  perClient: number;
  /** Counters created before the run (else a missing counter reads as 0). */
  precreate: boolean;
  /** Clients run as dom<i+1> instead of dom0. */
  unprivileged: boolean;
  seed: number;
}

interface Tally {
  own: number[];
  shared: number;
  commits: number;
  eagain: number;
}

const SHARED = '/c/shared';
const own = (i: number) => `/c/own/${i}`;

/** One client: a generator that performs one engine call per step. */
function* client(e: Engine, i: number, domid: number, plan: Plan, rnd: () => number, tally: Tally): Generator<void, void, void> {
  let done = 0;
  while (done < plan.perClient) {
    const r = rnd();
    const keys = r < 0.4 ? [own(i)] : r < 0.7 ? [SHARED] : [own(i), SHARED];
    const tx = e.txStart(domid);
    yield;
    const values: number[] = [];
    for (const k of keys) {
      let v = 0;
      try {
        v = Number(e.read(domid, tx, k));
      } catch (err) {
        if (!isXsError(err, 'ENOENT')) throw err;
      }
      values.push(v);
      yield;
    }
    for (let j = 0; j < keys.length; j++) {
      e.write(domid, tx, keys[j]!, String(values[j]! + 1));
      yield;
    }
    try {
      e.txEnd(domid, tx, true);
    } catch (err) {
      if (!isXsError(err, 'EAGAIN')) throw err;
      tally.eagain++;
      continue; // retry at once, like libxl
    }
    done++;
    tally.commits++;
    if (keys.includes(own(i))) tally.own[i]!++;
    if (keys.includes(SHARED)) tally.shared++;
    yield;
  }
}

function run(kind: EngineKind, plan: Plan): { tally: Tally; final: { own: number[]; shared: number } } {
  return withEngine(kind, (e) => {
    e.mkdir(0, 0, '/c/own');
    e.setPerms(0, 0, '/c', ['b0']);
    e.setPerms(0, 0, '/c/own', ['b0']);
    if (plan.precreate) {
      e.write(0, 0, SHARED, '0');
      for (let i = 0; i < plan.clients; i++) e.write(0, 0, own(i), '0');
    }
    const tally: Tally = { own: new Array<number>(plan.clients).fill(0), shared: 0, commits: 0, eagain: 0 };
    const sched = createRandom(plan.seed, 'scheduler');
    const live = Array.from({ length: plan.clients }, (_, i) =>
      client(e, i, plan.unprivileged ? i + 1 : 0, plan, createRandom(plan.seed, `client-${i}`), tally));
    for (let steps = 0; live.length > 0; steps++) {
      assert.ok(steps < 500_000, `no progress after ${steps} steps (livelock?)`);
      const k = Math.floor(sched() * live.length);
      if (live[k]!.next().done) live.splice(k, 1);
    }
    const read = (p: string) => {
      try {
        return Number(e.read(0, 0, p));
      } catch (err) {
        if (isXsError(err, 'ENOENT')) return 0;
        throw err;
      }
    };
    return {
      tally,
      final: { own: Array.from({ length: plan.clients }, (_, i) => read(own(i))), shared: read(SHARED) },
    };
  });
}

const PLANS: Array<[string, Plan]> = [
  ['6 dom0 clients, counters pre-created', { clients: 6, perClient: 8, precreate: true, unprivileged: false, seed: 1 }],
  ['4 unprivileged clients, counters created by the first increment (a missing counter reads as 0)', { clients: 4, perClient: 8, precreate: false, unprivileged: true, seed: 2 }],
  ['3 dom0 clients, long run', { clients: 3, perClient: 30, precreate: true, unprivileged: false, seed: 3 }],
];

for (const kind of ENGINES_UNDER_TEST) {
  describe(`engine ${kind}: no lost update`, () => {
    for (const [name, plan] of PLANS) {
      test(`${name}: every counter = commits that incremented it`, () => {
        const { tally, final } = run(kind, plan);
        assert.equal(tally.commits, plan.clients * plan.perClient);
        assert.deepEqual(final.own, tally.own);
        assert.equal(final.shared, tally.shared);
        assert.equal(final.own.reduce((a, b) => a + b, 0) + final.shared, tally.own.reduce((a, b) => a + b, 0) + tally.shared);
        // The shared counter makes clients collide: retries did happen.
        if (kind === 'tdb' || kind === 'trie') assert.ok(tally.eagain > 0, 'some commits were refused with EAGAIN');
      });
    }
  });
}
