/**
 * oxenstored's conflict credits enforced by the daemon (trie-replay): a
 * paused guest domain's requests wait until a refill gives it credit;
 * other domains and dom0 are served meanwhile; the simulated host refills
 * every 0.05 s of simulated time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../daemon/index.ts';
import { TrieReplayEngine } from '../../engines/trie-replay/index.ts';
import { encodeFrame, encodeStrings } from '../../protocol/codec.ts';
import { XsType } from '../../protocol/wire.ts';
import { XsClient } from '../../protocol/client.ts';
import { SimClock, SimServer } from '../../runner/sim/index.ts';
import { CostModel, parseProfile } from '../../runner/cost/index.ts';

/** A store where every domain may write /shared/k, and dom2 paused: its commits broke dom1's replays 5 times. */
function pausedDom2(): TrieReplayEngine {
  const e = new TrieReplayEngine({});
  e.write(0, 0, '/shared/k', '0');
  e.setPerms(0, 0, '/shared/k', ['b0']);
  for (let i = 0; i < 5; i++) {
    const tx = e.txStart(1);
    const v = e.read(1, tx, '/shared/k');
    e.write(2, 0, '/shared/k', `${v}+`);
    e.write(1, tx, '/shared/k', `${v}!`);
    assert.throws(() => e.txEnd(1, tx, true), /EAGAIN/);
  }
  assert.equal(e.throttle.isPaused(2), true);
  return e;
}

test('the daemon does not serve a paused domain until a refill gives it credit; others are served meanwhile', () => {
  const engine = pausedDom2();
  const daemon = new Daemon(engine);
  const replies: string[] = [];
  const conn = (domid: number) => daemon.connect(domid, () => replies.push(`dom${domid}`));
  const dom1 = conn(1);
  const dom2 = conn(2);
  const read = (c: ReturnType<typeof conn>) => c.receive(encodeFrame(XsType.READ, 1, 0, encodeStrings('/shared/k')));
  read(dom2);
  read(dom1);
  assert.equal(daemon.processNext(), dom1);
  assert.equal(daemon.processNext(), undefined);
  assert.equal(daemon.hasWork(), false);
  assert.equal(daemon.hasQueued(), true);
  assert.deepEqual(replies, ['dom1']);
  engine.throttle.refill(); // dom2: 0 → 1 point
  assert.equal(daemon.hasWork(), true);
  assert.equal(daemon.processNext(), dom2);
  assert.deepEqual(replies, ['dom1', 'dom2']);
  daemon.close();
});

test('simulated host: a paused domain\'s request is served at the first refill, 0.05 s of simulated time later', async () => {
  const profile = parseProfile({
    profileVersion: 1, name: 'unit-throttle', description: 'test', machine: { os: 't', cpu: 't', cpuCount: 1, node: null }, sources: [],
    transport: { latencyUs: 10, perByteUs: 0 }, daemon: { perByteUs: 0 },
    engines: { 'trie-replay': { requestBaseUs: 100, counters: {} } },
  });
  const engine = pausedDom2();
  const clock = new SimClock();
  const daemon = new Daemon(engine);
  const server = new SimServer(clock, daemon, new CostModel(profile, 'trie-replay'));
  const seen: string[] = [];
  const client = (domid: number) => new XsClient(server.connect(domid), {
    clock,
    observer: { onRequest: (_type, start, end) => seen.push(`dom${domid} ${start.toFixed(3)}-${end.toFixed(3)}`) },
  });
  const one = client(1);
  const two = client(2);
  const done = Promise.all([two.read('/shared/k'), one.read('/shared/k')]);
  let finished = false;
  void done.then(() => (finished = true));
  await clock.run(1000, () => finished);
  // dom1: 0.010 arrival, served to 0.110, reply at 0.120 (ms). dom2 waits for
  // the refill at 50 ms: served 50.000–50.100, reply at 50.110.
  assert.deepEqual(seen, ['dom1 0.000-0.120', 'dom2 0.000-50.110']);
  assert.equal(engine.throttle.isPaused(2), false);
  one.close();
  two.close();
  daemon.close();
});

test('a simulated run of guests fighting over one key on trie-replay ends, with domains paused and refilled', { timeout: 60_000 }, async () => {
  const { runSimulated } = await import('../../runner/sim/driver.ts');
  const { loadProfile } = await import('../../runner/cost/index.ts');
  const { getScenario, validateParams } = await import('../../scenarios/index.ts');
  const plan = {
    scenario: 'short-txn', params: validateParams(getScenario('short-txn'), { sharedFraction: 1 }), guests: 8, seed: 1, durationS: 0.3,
    target: { kind: 'engine' as const, engine: 'trie-replay' as const }, rep: 0,
  };
  const r = await runSimulated(plan, loadProfile('xen-2009'));
  assert.ok(r.engineCounters['domainPauses']! > 0, `pauses ${r.engineCounters['domainPauses']}`);
  assert.ok(r.engineCounters['creditRefills']! >= 5, `refills ${r.engineCounters['creditRefills']}`);
  assert.ok(r.commits > 0);
  assert.equal(r.fairness.starved, 0);
});
