/**
 * `xstorm calibrate` end to end on one engine (quick): the profile it
 * writes validates, prices the engine from the in-process fit, and carries
 * the real-time pipeline's thread model fitted from real runs. The prices
 * themselves depend on the machine; what is checked is that every part is
 * there, sane, and consistent with the runs it was fitted from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrate } from '../../runner/cost/calibrate.ts';
import { parseProfile } from '../../runner/cost/index.ts';

test('calibrate --quick on trie: a valid profile with the thread model fitted from real runs at 1, 2, 4 and 16 guests per client thread', async () => {
  const notes: string[] = [];
  const profile = await calibrate({ name: 'unit-calibration', quick: true, engines: ['trie'], repetitions: 30, onProgress: (_f, note) => notes.push(note) });
  assert.deepEqual(parseProfile(profile), profile);
  assert.equal(profile.name, 'unit-calibration');
  assert.deepEqual(Object.keys(profile.engines), ['trie']);
  const trie = profile.engines['trie']!;
  assert.ok(trie.requestBaseUs > 0 || Object.values(trie.counters).some((p) => p > 0), 'something is priced');
  assert.equal(profile.daemon.iterations, true);
  assert.equal(profile.transport.latencyUs, 0);
  assert.ok(profile.client && profile.client.threads >= 1 && profile.client.perRequestUs > 0);
  assert.ok(profile.wake && profile.wake.latencyUs >= 0 && profile.wake.leadFraction >= 0 && profile.wake.leadFraction <= 1);
  const pipeline = trie.pipeline!;
  assert.ok(pipeline.serviceScale > 0);
  // trie's pipeline prices are the profile's default thread prices.
  assert.equal(pipeline.clientPerRequestUs, profile.client.perRequestUs);
  assert.equal(pipeline.clientWakeUs, profile.client.wakeUs);
  assert.equal(pipeline.daemonPerRequestUs, profile.daemon.perRequestUs);
  assert.equal(pipeline.daemonWakeUs, profile.daemon.wakeUs);
  const runs = (profile.fit!['pipeline'] as Record<string, { guests: number; clientWakes: number }[]>)['trie']!;
  assert.deepEqual(runs.map((r) => r.guests), [1, 2, 4, 16].map((g) => g * profile.client!.threads));
  // One guest per client thread: every reply wakes the thread.
  assert.ok(Math.abs(runs[0]!.clientWakes - 1) < 0.05, `wakes per request at 1 guest: ${runs[0]!.clientWakes}`);
  assert.ok(runs[3]!.clientWakes < runs[0]!.clientWakes, 'more guests share wake-ups');
  assert.equal(notes.filter((n) => n.startsWith('real-time pipeline, trie')).length, 4);
});
