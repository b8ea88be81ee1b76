/**
 * `calibrate --target socket:`: the probe tells the modelling engine from
 * the outside, every request kind gets the same reply from the daemon and
 * from the in-process twin, and the profile drives the simulated driver.
 * Against `xstorm serve` (no daemon.pid beside its socket: round trips
 * only) and, where ../shared/realxs is set up, the real Xen 4.17 daemons
 * (their CPU read from /proc). Quick mode; nothing timed is asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { calibrateSocket, slope } from '../../runner/cost/calibrate-socket.ts';
import type { RealDaemonModel } from '../../runner/cost/calibrate-socket.ts';
import type { CostProfile } from '../../runner/cost/index.ts';
import { runSimulated } from '../../runner/sim/driver.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import { realxsSkipReason } from '../helpers/realxs.ts';
import { XSTORM_BIN, startRealDaemon, startXstormServe } from '../daemon/servers.ts';

test('slope: least squares', () => {
  assert.equal(slope([{ x: 0, y: 11 }, { x: 400, y: 235 }]), 0.56);
  assert.equal(slope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }]), 2);
  assert.equal(slope([{ x: 5, y: 1 }, { x: 5, y: 9 }]), 0);
});

/** A boot storm of 4 domains on the simulated driver with `profile`: the model's conflicts, whatever the prices. */
async function bootStorm(profile: CostProfile, engine: RealDaemonModel) {
  const plan = { scenario: 'boot-storm', params: validateParams(getScenario('boot-storm'), {}), guests: 4, seed: 1, durationS: 120, target: { kind: 'engine' as const, engine }, rep: 0, profile: profile.name };
  return runSimulated(plan, profile);
}

function checkCalibration(result: Awaited<ReturnType<typeof calibrateSocket>>, engine: RealDaemonModel, withPid: boolean): void {
  assert.equal(result.engine, engine);
  const fit = result.profile.fit!['socket'] as { replyMismatches: string[]; daemonPid: number | null; kinds: Record<string, number> };
  assert.deepEqual(fit.replyMismatches, []);
  assert.equal(fit.daemonPid !== null, withPid);
  assert.deepEqual(Object.keys(result.profile.engines), [engine]);
  assert.deepEqual(Object.keys(fit.kinds).filter((k) => k.endsWith('@5')).map((k) => k.slice(0, -2)), [
    'read', 'write', 'directory', 'getPerms', 'setPerms', 'mkdir', 'rm', 'txStart', 'txRead', 'txWrite', 'txMkdir', 'txSetPerms',
    'commit1', 'commit16', 'commitEagain1', 'commitEagain16', 'abort', 'commitReplay2', 'commitReplay16',
  ]);
  assert.equal(result.profile.daemon.iterations, true);
  assert.equal(result.profile.daemon.repliesTogether, false);
  assert.equal(result.profile.client?.leaveTogether, false);
}

for (const engine of ['tdb-pernode', 'trie-replay'] as const) {
  test(`against xstorm serve --engine ${engine}: probed as ${engine}, replies agree, the profile runs`, async () => {
    const served = await startXstormServe(engine);
    try {
      const result = await calibrateSocket({ socketPath: served.socket, quick: true, repetitions: 20 });
      checkCalibration(result, engine, false);
      assert.equal(result.label, engine === 'tdb-pernode' ? 'cxenstored' : 'oxenstored');
      const run = await bootStorm(result.profile, engine);
      assert.equal(run.eagain, engine === 'tdb-pernode' ? 6 : 0);
      assert.equal(run.guestStarts?.length, 4);
    } finally {
      await served.stop();
    }
  });
}

const skip = realxsSkipReason();
for (const [daemon, engine] of [['cxenstored', 'tdb-pernode'], ['oxenstored', 'trie-replay']] as const) {
  test(`against the real ${daemon}: probed as ${engine}, replies agree with the model, its CPU read from /proc`, { skip }, async () => {
    const real = startRealDaemon(daemon);
    try {
      const result = await calibrateSocket({ socketPath: real.socket, quick: true, repetitions: 20 });
      checkCalibration(result, engine, true);
      assert.match(result.profile.sources.find((s) => s.id === 'pipeline')!.fact, /per open connection per loop iteration/);
      assert.equal((await bootStorm(result.profile, engine)).eagain, engine === 'tdb-pernode' ? 6 : 0);
    } finally {
      await real.stop();
    }
  });
}

test('xstorm calibrate --target: bad targets and engines are one-line usage errors (exit 2)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [XSTORM_BIN, 'calibrate', ...args], { encoding: 'utf8' });
  const cases: Array<[string[], RegExp]> = [
    [['--target', 'socket:/nonexistent/socket'], /^xstorm: --target socket:\/nonexistent\/socket: \/nonexistent\/socket does not exist \(is the daemon running\?\)$/],
    [['--target', 'trie'], /^xstorm: --target trie: calibrate measures a real daemon through its socket/],
    [['--target', `socket:${path.resolve(XSTORM_BIN)}`], /is not a Unix socket$/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr.split('\n')[0]!, message);
  }
});
