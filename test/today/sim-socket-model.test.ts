/**
 * The simulated daemon priced like a real daemon behind a socket (the
 * profiles of `calibrate --target socket:`): each loop iteration costs per
 * open connection, replies leave as each request is served, and a socket
 * client's requests leave one by one. Exact times on a tiny profile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProfile } from '../../runner/cost/index.ts';
import { twoReaders } from '../sim/two-readers.ts';

const profile = (socketLike: boolean) => parseProfile({
  profileVersion: 1, name: 'unit-socket', description: 'test', machine: { os: 't', cpu: 't', cpuCount: 1, node: null }, sources: [],
  transport: { latencyUs: 0, perByteUs: 0 },
  client: { perRequestUs: 5, threads: 1, wakeUs: 0, ...(socketLike ? { leaveTogether: false } : {}) },
  wake: { latencyUs: 0, leadFraction: 1 },
  daemon: { perByteUs: 0, perRequestUs: 0, wakeUs: 0, iterations: true, ...(socketLike ? { perConnectionUs: 2, repliesTogether: false } : {}) },
  engines: { trie: { requestBaseUs: 100, counters: {} } },
});

async function run(socketLike: boolean): Promise<{ seen: string[]; busyMs: number }> {
  const { seen, stats } = await twoReaders(profile(socketLike), 1);
  return { seen, busyMs: stats.busyMs };
}

test('socket-like: per-connection iteration cost, replies as served, requests leave one by one', async () => {
  // µs. The client's turn at 0 sends a1 at 5 and b1 at 10. The daemon wakes
  // at 5, its iteration costs 2 × 3 open connections: a1 is served 5–111 and
  // its reply leaves at once; b1 arrived meanwhile, so the next iteration
  // serves it 111–217. a2 leaves the client at 116 and waits for the
  // iteration after: 217–323.
  const { seen, busyMs } = await run(true);
  assert.deepEqual(seen, ['a 0.000-0.111', 'b 0.000-0.217', 'a 0.111-0.323']);
  assert.equal(busyMs, 0.318);
});

test('without those options the same profile behaves as before: a turn\'s requests leave together, an iteration\'s replies too', async () => {
  // Both requests leave at 10; one iteration serves a1 10–110 and b1 110–210,
  // both replies at 210; a2 leaves at 215 and is served 215–315.
  const { seen, busyMs } = await run(false);
  assert.deepEqual(seen, ['a 0.000-0.210', 'b 0.000-0.210', 'a 0.210-0.315']);
  assert.equal(busyMs, 0.3);
});
