/**
 * The mechanism behind boot-storm conflicts, from counters: the conflict
 * census (which node refuses each commit) and the scenario variants that
 * remove one suspect at a time, on the simulated driver with the built-in
 * xen-2009 profile (deterministic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, XsError } from '../../engines/index.ts';
import { loadProfile } from '../../runner/cost/index.ts';
import { runSimulated } from '../../runner/sim/driver.ts';
import { ConflictCensus, nodeKind } from '../../runner/today/census.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import { toolstackRetry } from '../../scenarios/boot-storm.ts';
import { domainCycles } from '../../scenarios/agent-chatter.ts';

const xen2009 = loadProfile('xen-2009');

async function bootStorm(engine: 'tdb-pernode' | 'trie' | 'trie-replay', params: Record<string, unknown>, census?: ConflictCensus) {
  const plan = {
    scenario: 'boot-storm', params: validateParams(getScenario('boot-storm'), params), guests: 8, seed: 1, durationS: 120,
    target: { kind: 'engine' as const, engine }, rep: 0, profile: xen2009.name,
  };
  return runSimulated(plan, xen2009, undefined, census ? { wrapEngine: (e) => census.wrap(e) } : {});
}

test('nodeKind folds domain ids, uuids and backend device owners', () => {
  assert.equal(nodeKind('/local/domain'), '/local/domain');
  assert.equal(nodeKind('/local/domain/17/device/vbd'), '/local/domain/<id>/device/vbd');
  assert.equal(nodeKind('/local/domain/0/backend/vbd'), '/local/domain/0/backend/vbd');
  assert.equal(nodeKind('/local/domain/0/backend/vbd/12/51712'), '/local/domain/0/backend/vbd/<id>/51712');
  assert.equal(nodeKind('/vm/00000000-0000-4000-8000-00000000000c/name'), '/vm/<uuid>/name');
  assert.equal(nodeKind('/libxl/12'), '/libxl/<id>');
});

test('the census counts a refused commit by the node tdb-pernode names, and passes everything through', () => {
  const census = new ConflictCensus();
  const engine = census.wrap(createEngine('tdb-pernode'));
  engine.mkdir(0, 0, '/local/domain');
  const a = engine.txStart(0);
  const b = engine.txStart(0);
  engine.mkdir(0, a, '/local/domain/1');
  engine.mkdir(0, b, '/local/domain/2');
  assert.deepEqual(engine.txEnd(0, a, true), ['/local/domain/1']);
  assert.throws(() => engine.txEnd(0, b, true), (e: unknown) => e instanceof XsError && e.code === 'EAGAIN');
  assert.deepEqual(census.entries(), [{ node: '/local/domain', conflicts: 1 }]);
  assert.equal(census.total, 1);
  assert.equal(engine.kind, 'tdb-pernode');
  assert.equal(engine.counters()['conflicts'], 1);
  // An abort is not a refusal.
  engine.txEnd(0, engine.txStart(0), false);
  assert.equal(census.total, 1);
  engine.close();
});

test('boot storm, 8 domains, tdb-pernode: every pair of starts conflicts once, always on /local/domain\'s child list', async () => {
  const census = new ConflictCensus();
  const withCensus = await bootStorm('tdb-pernode', {}, census);
  assert.equal(withCensus.eagain, 28, 'C(8, 2)');
  assert.deepEqual(census.entries(), [{ node: '/local/domain', conflicts: 28 }]);
  assert.deepEqual(withCensus, await bootStorm('tdb-pernode', {}), 'the census changes nothing');
});

test('variants: the name check does not cause the conflicts; places created beforehand remove them all', async () => {
  const noNameCheck = await bootStorm('tdb-pernode', { nameCheck: false });
  assert.equal(noNameCheck.eagain, 28);
  assert.equal(noNameCheck.requests, 2352 - 16, 'the name check of 8 parallel starts: a directory and a read each');
  const precreated = await bootStorm('tdb-pernode', { precreate: true });
  assert.equal(precreated.eagain, 0);
  assert.equal(precreated.guestStarts?.length, 8);
});

test('shutdown: starts and stops; trie (no replay) conflicts on every concurrent commit, trie-replay never', async () => {
  const census = new ConflictCensus();
  const pernode = await bootStorm('tdb-pernode', { shutdown: true }, census);
  assert.equal(pernode.eagain, 61);
  assert.deepEqual(census.entries().map((e) => e.node), ['/local/domain', '/local/domain/0/backend/vbd', '/local/domain/0/backend/console', '/local/domain/0/backend/vif']);
  assert.match(pernode.slo.detail, /^8 of 8 domains started \(last at [\d.]+ s\), cap 120 s; 8 stopped \(last at [\d.]+ s\)$/);
  const trie = await bootStorm('trie', { shutdown: true });
  assert.deepEqual([trie.eagain, trie.requests, trie.sustained], [140, 5920, true]);
  const replay = await bootStorm('trie-replay', { shutdown: true });
  assert.deepEqual([replay.eagain, replay.requests, replay.sustained], [0, 1160, true]);
});

test('toolstackRetry: 0 is libxl\'s immediate retry; otherwise a full-jitter backoff doubling to 64×', () => {
  assert.equal(toolstackRetry(0), undefined);
  assert.deepEqual(toolstackRetry(2), { kind: 'backoff', initialMs: 2, maxMs: 128, factor: 2 });
});

test('agent-chatter: dom0\'s cycles are read back from the SLO detail', () => {
  assert.equal(domainCycles('460 domain create+destroy cycles, p99 1.87 ms'), 460);
  assert.equal(domainCycles('0 domain create+destroy cycles: no domain operation completed'), 0);
  assert.equal(domainCycles('something else'), null);
});
