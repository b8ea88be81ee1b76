import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCENARIOS, getScenario, validateParams, parseAssignments, defaultParams, ScenarioParamsError } from '../../scenarios/index.ts';
import { runSession } from '../../runner/session.ts';
import { buildRunResult } from '../../runner/result.ts';
import { RunResultSchema } from '../../reports/schema.ts';
import { InprocDaemon, InstantClock } from './inproc.ts';
import type { LoggedRequest } from './inproc.ts';

test('defaults come from the schema; validateParams converts --set strings and reports every bad field at once', () => {
  assert.deepEqual(defaultParams(getScenario('short-txn')), { sharedFraction: 0, sharedKeys: 1, keysPerGuest: 4, thinkMs: 0, p99Ms: 100 });
  const { raw, issues } = parseAssignments(['sharedFraction=0.25', 'thinkMs=5']);
  assert.deepEqual(issues, []);
  assert.deepEqual(validateParams(getScenario('short-txn'), raw), { sharedFraction: 0.25, sharedKeys: 1, keysPerGuest: 4, thinkMs: 5, p99Ms: 100 });
  assert.deepEqual(validateParams(getScenario('paper-7.3'), { nameCheck: 'false', timeScale: '0.05' }).nameCheck, false);
  try {
    validateParams(getScenario('short-txn'), { sharedFraction: '2', thinkMs: 'abc', bogus: '1', sharedKeys: '0' });
    assert.fail('expected ScenarioParamsError');
  } catch (error) {
    assert.ok(error instanceof ScenarioParamsError);
    assert.equal(error.issues.length, 4);
    assert.match(error.issues.join('\n'), /unknown parameter bogus/);
    assert.match(error.issues.join('\n'), /^sharedFraction: /m);
    assert.match(error.issues.join('\n'), /^thinkMs: /m);
    assert.match(error.issues.join('\n'), /^sharedKeys: /m);
  }
  assert.deepEqual(parseAssignments(['a=1', 'a=2', 'novalue']).issues, ['a: set twice', '--set "novalue": expected key=value']);
  assert.throws(() => getScenario('nope'), /unknown scenario "nope"; known: short-txn/);
});

test('every scenario has a strict schema, an SLO and deterministic actors', () => {
  for (const s of SCENARIOS) {
    assert.ok(s.slo.length > 0, s.name);
    const params = defaultParams(s);
    assert.deepEqual(s.actors(params, 3).map((a) => a.id), s.actors(params, 3).map((a) => a.id), s.name);
    assert.throws(() => validateParams(s, { notAParam: 1 }), ScenarioParamsError, s.name);
  }
});

/** Runs a scenario in-process on the fake clock; returns the result and the request log. */
async function run(name: string, guests: number, raw: Record<string, unknown>, durationS: number, engine: 'trie' | 'tdb' = 'trie') {
  const scenario = getScenario(name);
  const params = validateParams(scenario, raw);
  const clock = new InstantClock();
  const daemon = new InprocDaemon(engine, clock);
  const setupClient = daemon.client(0, clock, undefined, 'setup');
  const outcome = await runSession({
    scenario, params, guests, seed: 7, durationS, clock, setupClient,
    connect: async (actor, observer) => daemon.client(actor.domid, clock, observer, actor.id),
  });
  setupClient.close();
  daemon.close();
  const plan = { scenario: name, params, guests, seed: 7, durationS, target: { kind: 'engine' as const, engine }, rep: 0 };
  const result = buildRunResult(plan, scenario, { driver: 'sim', snapshot: outcome.snapshot, durationS: outcome.durationS, engineCounters: {}, daemon: { cpuMs: null, rssBytes: null } });
  RunResultSchema.parse(result);
  return { result, outcome, log: daemon.log };
}

/** Transactions of one connection: the requests between START and END, by txId, in order. */
function transactionsOf(log: readonly LoggedRequest[], label: string): LoggedRequest[][] {
  const byTx = new Map<number, LoggedRequest[]>();
  const order: number[] = [];
  for (const r of log) {
    if (r.label !== label || r.txId === 0) continue;
    if (!byTx.has(r.txId)) { byTx.set(r.txId, []); order.push(r.txId); }
    if (r.type !== 'TRANSACTION_END') byTx.get(r.txId)!.push(r);
  }
  return order.map((id) => byTx.get(id)!);
}

test('paper-7.3 with 3 guests: libxl-like starts one after another, then each guest loops foo/bar transactions', async () => {
  const { result, outcome, log } = await run('paper-7.3', 3, { timeScale: 0.01, capS: 100, toolstack: 'libxl-4.4' }, 1);
  assert.equal(outcome.endedBy, 'endWhenDone');
  assert.equal(result.guestStarts?.length, 3);
  assert.equal(result.sustained, true);
  const toolstack = log.filter((r) => r.label === 'toolstack');
  // Name check first: list the domains, read every name (only dom0 exists yet).
  assert.deepEqual(toolstack.slice(0, 2).map((r) => [r.type, r.payload]), [['DIRECTORY', '/local/domain|'], ['READ', '/local/domain/0/name|']]);
  // The first start is uncontended: domain_make (32 ops), build_post (11), console (27), disk (30), vif (24).
  const txs = transactionsOf(log, 'toolstack');
  assert.deepEqual(txs.slice(0, 5).map((t) => t.length), [32, 11, 27, 30, 24]);
  assert.ok(txs[0]!.some((r) => r.type === 'SET_PERMS' && r.payload === '/local/domain/1/device|n0|b1|'));
  assert.ok(txs.length >= 15);
  assert.equal(toolstack.filter((r) => r.type === 'WRITE' && r.payload.startsWith('/local/domain/') && r.payload.includes('/control/xstorm-started')).length, 3);
  // The run ends when the toolstack has started the last guest: the first two have had time to loop.
  for (let g = 0; g < 2; g++) {
    const domid = g + 1;
    const guestTxs = transactionsOf(log, `guest-${g}`);
    // Front-ends: blkfront (3 writes), Initialised, netfront (10 writes), Initialised, Connected × 2.
    assert.deepEqual(guestTxs.slice(0, 6).map((t) => t.length), [3, 2, 10, 2, 2, 2]);
    const loop = guestTxs.slice(6);
    assert.ok(loop.length >= 1, `guest ${g} looped`);
    for (const t of loop) {
      assert.deepEqual(t.map((r) => r.type), ['WRITE', 'WRITE']);
      assert.match(t[0]!.payload, new RegExp(`^/local/domain/${domid}/device/foo\\|`));
      assert.match(t[1]!.payload, new RegExp(`^/local/domain/${domid}/device/bar\\|`));
    }
    assert.ok(log.every((r) => r.label !== `guest-${g}` || r.domid === domid));
  }
});

test('paper-7.3 with the 2009 XenServer toolstack: Domain.make, 6 writes outside transactions, build_post, a transaction and a hotplug wait per device', async () => {
  const { result, log } = await run('paper-7.3', 2, { timeScale: 0.01, capS: 100 }, 1);
  assert.equal(result.params['toolstack'], 'xapi-2009');
  assert.equal(result.guestStarts?.length, 2);
  const toolstack = log.filter((r) => r.label === 'toolstack');
  // No name check: the first request starts Domain.make's transaction.
  assert.equal(toolstack[0]!.type, 'TRANSACTION_START');
  const txs = transactionsOf(log, 'toolstack');
  // Uncontended first start: Domain.make (30), build_post (8), vbd (26), vif (25).
  assert.deepEqual(txs.slice(0, 4).map((t) => t.length), [30, 8, 26, 25]);
  assert.deepEqual(txs[0]!.slice(0, 3).map((r) => [r.type, r.payload]), [['RM', '/local/domain/1|'], ['MKDIR', '/local/domain/1|'], ['SET_PERMS', '/local/domain/1|n0|r1|']]);
  assert.deepEqual(txs[2]![0]!.type, 'READ');
  // Outside transactions, in order: Domain.make's 6 writes, then after each device the hotplug script's writes, then the unpause marker.
  const outside = toolstack.filter((r) => r.txId === 0 && r.type === 'WRITE').slice(0, 10).map((r) => r.payload.split('|')[0]);
  assert.deepEqual(outside, [
    '/vm/00000000-0000-4000-8000-000000000001/uuid', '/vm/00000000-0000-4000-8000-000000000001/name',
    '/local/domain/1/platform/vcpu/number', '/local/domain/1/platform/vcpu/current',
    '/local/domain/1/control/platform-feature-multiprocessor-suspend', '/local/domain/1/unique-domain-id',
    '/xapi/1/hotplug/vbd/51712/hotplug', '/xapi/1/hotplug/vif/0/hotplug', '/local/domain/0/backend/vif/1/0/hotplug-status',
    '/local/domain/1/control/xstorm-started',
  ]);
});

test('paper-7.1 as the paper ran it: a flat store, clients on the daemon\'s socket as dom0, and every finished client counted', async () => {
  const { result, log } = await run('paper-7.1', 3, { transactions: 5 }, 60);
  assert.equal(result.commits, 15);
  assert.equal(result.extra?.['clientsFinished'], 3);
  const writes = log.filter((r) => r.label === 'guest-2' && r.type === 'WRITE');
  assert.equal(writes.length, 5);
  assert.ok(writes.every((r) => r.domid === 0 && r.payload.startsWith('/p71/c2|')));
  assert.ok(log.filter((r) => r.label === 'guest-2' && r.type === 'READ').every((r) => r.payload === '/p71/shared|'));
  const home = await run('paper-7.1', 2, { transactions: 2, layout: 'home', thinkUs: 0 }, 60);
  const homeWrites = home.log.filter((r) => r.label === 'guest-1' && r.type === 'WRITE');
  assert.ok(homeWrites.length === 2 && homeWrites.every((r) => r.domid === 2 && r.payload.startsWith('/local/domain/2/data/p71|')));
  assert.equal(home.result.extra?.['clientsFinished'], 2);
});

for (const [name, guests, raw, durationS] of [
  ['short-txn', 3, { sharedFraction: 0.5, thinkMs: 10 }, 1],
  ['paper-7.1', 4, { transactions: 20 }, 60],
  ['boot-storm', 3, { runningGuests: 2 }, 30],
  ['agent-chatter', 3, { intervalMs: 100 }, 1],
  ['read-mostly', 3, { thinkMs: 5 }, 1],
  ['watch-storm', 3, { writeIntervalMs: 10 }, 1],
  ['big-store', 2, { storeNodes: 300, thinkMs: 5 }, 1],
] as const) {
  test(`${name} runs on the in-process daemon and yields a valid, sustained RunResult`, async () => {
    const { result } = await run(name, guests, raw, durationS);
    assert.equal(result.otherErrors, result.extra?.['errors.ENOENT'] ?? 0, JSON.stringify(result.extra));
    assert.equal(result.sustained, true, `${name}: ${result.slo.detail}`);
    if (name === 'paper-7.1') assert.equal(result.commits, 80);
    if (name === 'big-store') assert.equal(result.extra?.['storeNodes'], 300);
    if (name === 'boot-storm') assert.equal(result.guestStarts?.length, 3);
  });
}

test('short-txn on tdb: every commit anywhere bumps the global generation, so concurrent guests abort', async () => {
  const { result } = await run('short-txn', 4, { thinkMs: 1 }, 0.5, 'tdb');
  assert.ok(result.eagain > 0);
  assert.ok(result.commits > 0);
});
