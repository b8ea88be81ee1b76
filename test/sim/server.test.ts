import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimClock, SimServer } from '../../runner/sim/index.ts';
import { CostModel, parseProfile } from '../../runner/cost/index.ts';
import { Daemon } from '../../daemon/index.ts';
import { createEngine } from '../../engines/index.ts';
import { XsClient } from '../../protocol/client.ts';
import { simPipeline, twoReaders } from './two-readers.ts';

const profile = parseProfile({
  profileVersion: 1, name: 'unit-server', description: 'test', machine: { os: 't', cpu: 't', cpuCount: 1, node: null }, sources: [],
  transport: { latencyUs: 10, perByteUs: 0 }, daemon: { perByteUs: 0 },
  engines: { trie: { requestBaseUs: 100, counters: { nodesAllocated: 1 } } },
});

test('one server: requests queue, each is busy for its priced service time, replies come back after the transport delay', async () => {
  const { clock, daemon, server, seen, client } = simPipeline(profile);
  const a = client('a');
  const b = client('b');
  const done = Promise.all([a.read('/tool/xenstored'), b.read('/tool/xenstored'), a.read('/nope').catch(() => 'ENOENT')]);
  let finished = false;
  void done.then(() => (finished = true));
  await clock.run(1000, () => finished);
  assert.deepEqual(await done, ['', '', 'ENOENT']);
  // a's two requests are pipelined: a1 is served 0.010-0.110, b 0.110-0.210 (round-robin), a2 0.210-0.310;
  // each reply arrives 0.010 after its service ends.
  assert.deepEqual(seen, ['a 0.000-0.120', 'b 0.000-0.220', 'a 0.000-0.320 ENOENT']);
  assert.deepEqual(server.stats(), { requests: 3, busyMs: 0.3 });
  a.close();
  b.close();
  daemon.close();
});

test('a write that allocates nodes costs its counter price on top of the base', async () => {
  const clock = new SimClock();
  const daemon = new Daemon(createEngine('trie'));
  const server = new SimServer(clock, daemon, new CostModel(profile, 'trie'));
  const c = new XsClient(server.connect(0), { clock });
  const before = daemon.engine.counters()['nodesAllocated']!;
  const p = c.write('/a/b/c', 'x');
  let finished = false;
  void p.then(() => (finished = true));
  await clock.run(1000, () => finished);
  const allocated = daemon.engine.counters()['nodesAllocated']! - before;
  assert.ok(allocated > 0);
  assert.equal(server.stats().busyMs, (100 + allocated) / 1000);
  // scheduled as 0.010 + service + 0.010 ms, in that order of additions
  assert.equal(clock.now(), 10 / 1000 + (100 + allocated) / 1000 + 10 / 1000);
  c.close();
  daemon.close();
});

test('modelled threads: a sleeping thread wakes after the latency; a client turn pays one wake-up and its requests leave together; the daemon serves in iterations, replies leave at the iteration\'s end, and the wake-up\'s CPU splits around the output', async () => {
  const threaded = parseProfile({
    profileVersion: 1, name: 'unit-threads', description: 'test', machine: { os: 't', cpu: 't', cpuCount: 1, node: null }, sources: [],
    transport: { latencyUs: 0, perByteUs: 0 },
    client: { perRequestUs: 5, threads: 1, wakeUs: 20 },
    wake: { latencyUs: 4, leadFraction: 0.5 },
    daemon: { perByteUs: 0, perRequestUs: 3, wakeUs: 8, iterations: true },
    engines: { trie: { requestBaseUs: 100, counters: {} } },
  });
  const { seen, stats } = await twoReaders(threaded);
  // µs. Client thread asleep: its turn starts at 4; half the wake-up (10)
  // plus 5 per request, then both requests leave at 24 (the other half of
  // the wake-up runs after, to 34). Daemon asleep: it runs at 28 and serves
  // a (100 + loop 3 + half its wake-up 4) to 135 and b (103) to 238; both
  // replies leave at 238, then the wake-up's other half (4) to 242, and it
  // sleeps. a's second read: client turn 242–257, daemon 261–368.
  assert.deepEqual(seen, ['a 0.000-0.238', 'b 0.000-0.238', 'a 0.238-0.368']);
  assert.deepEqual(stats, { requests: 3, busyMs: 0.325 });
});
