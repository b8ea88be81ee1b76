/**
 * bench's calibrated rows name the profile they used (file, date, machine)
 * and refuse one measured on another machine model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProfileMachine, describeProfile, machineMismatch, profilePath, thisMachine } from '../../bin/profile-provenance.ts';
import { UserError } from '../../bin/user-error.ts';
import { defaultCalibratedName } from '../../runner/cost/calibrate.ts';
import { BUILTIN_PROFILE_DIR, loadProfile } from '../../runner/cost/index.ts';
import type { CostProfile } from '../../runner/cost/index.ts';
import { runCli, startCli, waitUntil } from './cli.ts';

/** xen-2009, restated as a profile calibrated on `machine`. */
function calibratedOn(machine: { cpu: string; cpuCount: number | null }, name = 'calibrated-test'): CostProfile {
  const base = loadProfile('xen-2009');
  return { ...base, name, createdAt: '2026-11-30T10:00:00.000Z', machine: { ...base.machine, os: 'Linux 6.1 x64', ...machine } };
}

test('a profile describes this machine when the CPU model and count match (a null count matches any)', () => {
  const here = { cpu: 'AMD EPYC 7B13', cpuCount: 2 };
  assert.equal(machineMismatch(calibratedOn({ cpu: 'AMD EPYC 7B13', cpuCount: 2 }), here), null);
  assert.equal(machineMismatch(calibratedOn({ cpu: 'AMD EPYC 7B13', cpuCount: null }), here), null);
  assert.equal(machineMismatch(calibratedOn({ cpu: 'AMD EPYC 7B13', cpuCount: 8 }), here), 'it was measured on AMD EPYC 7B13 × 8, this machine is AMD EPYC 7B13 × 2');
  assert.equal(machineMismatch(calibratedOn({ cpu: 'Intel Xeon E5-2670', cpuCount: 2 }), here), 'it was measured on Intel Xeon E5-2670 × 2, this machine is AMD EPYC 7B13 × 2');
  assert.deepEqual(Object.keys(thisMachine()), ['cpu', 'cpuCount']);
});

test('the refusal names the file, its date, both machines and the command that re-measures', () => {
  const profile = calibratedOn({ cpu: 'Intel Xeon E5-2670', cpuCount: 16 }, 'calibrated-box');
  assert.equal(describeProfile(profile, '/c/calibrated-box.json'), 'profile calibrated-box (/c/calibrated-box.json; measured 2026-11-30T10:00:00.000Z on Intel Xeon E5-2670 × 16, Linux 6.1 x64)');
  assert.throws(
    () => checkProfileMachine(profile, '/c/calibrated-box.json', '--calibrated', { cpu: 'AMD EPYC 7B13', cpuCount: 2 }),
    (e: unknown) => e instanceof UserError && e.message === '--calibrated: refusing profile calibrated-box (/c/calibrated-box.json; measured 2026-11-30T10:00:00.000Z on Intel Xeon E5-2670 × 16, Linux 6.1 x64) '
      + 'for this machine\'s rows: it was measured on Intel Xeon E5-2670 × 16, this machine is AMD EPYC 7B13 × 2; '
      + 'measure this machine with `xstorm calibrate --quick --name calibrated-box --out /c/calibrated-box.json` (or delete that file) and run bench again',
  );
  checkProfileMachine(profile, '/c/x.json', '--calibrated', { cpu: 'Intel Xeon E5-2670', cpuCount: 16 });
});

test('profile names resolve to the file loadProfile reads', () => {
  const env = { XDG_CACHE_HOME: '/cache' };
  assert.equal(profilePath('xen-2009', env), join(BUILTIN_PROFILE_DIR, 'xen-2009.json'));
  assert.equal(profilePath('calibrated-x', env), '/cache/xstorm/profiles/calibrated-x.json');
  assert.equal(profilePath('/p/mine.json', env), '/p/mine.json');
});

test('xstorm bench refuses a cached calibrated profile from another machine model, before any work', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-prov-'));
  try {
    const cache = join(dir, 'xstorm', 'profiles');
    mkdirSync(cache, { recursive: true });
    const name = defaultCalibratedName();
    const file = join(cache, `${name}.json`);
    writeFileSync(file, JSON.stringify(calibratedOn({ cpu: 'Some Other CPU', cpuCount: 64 }, name)));
    // Before: the bench ran for minutes pricing this machine with that profile's costs.
    const outcome = await runCli(['bench', '--out', join(dir, 'out')], { env: { XDG_CACHE_HOME: dir }, timeoutMs: 40000 });
    assert.equal(outcome.timedOut, false, 'refused at once');
    assert.equal(outcome.status, 2, outcome.stderr);
    assert.equal(outcome.stderr.split('\n')[0], `xstorm: cached calibrated profile: refusing ${describeProfile(calibratedOn({ cpu: 'Some Other CPU', cpuCount: 64 }, name), file)} `
      + `for this machine's rows: it was measured on Some Other CPU × 64, this machine is ${thisMachine().cpu} × ${thisMachine().cpuCount}; `
      + `measure this machine with \`xstorm calibrate --quick --name ${name} --out ${file}\` (or delete that file) and run bench again`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('xstorm bench prints which calibrated profile its rows use (file, date, machine); Ctrl-C stops it at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-prov-ok-'));
  try {
    const file = join(dir, 'calibrated-here.json');
    const profile = calibratedOn(thisMachine(), 'calibrated-here');
    writeFileSync(file, JSON.stringify(profile));
    const cli = startCli(['bench', '--calibrated', file, '--out', join(dir, 'out')], { timeoutMs: 60000 });
    await waitUntil(() => /this machine's rows: /.test(cli.stderr()), 'the provenance line');
    cli.child.kill('SIGINT');
    const outcome = await cli.done;
    assert.match(outcome.stderr, new RegExp(`^this machine's rows: ${describeProfile(profile, file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.equal(outcome.status, 130);
    assert.match(outcome.stderr, /xstorm: SIGINT: bench stopped, nothing written/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
