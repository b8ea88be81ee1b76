/**
 * This machine's calibrated profile for the benches (`bench`'s calibrated
 * rows, `bench --today`): the one named, or the cached
 * `calibrated-<host>`, or measured now with a quick calibration and cached.
 * A cached profile from another machine model is refused
 * (bin/profile-provenance.ts); which profile was used is printed.
 */
import * as nodePath from 'node:path';
import { CostProfileError, loadProfile, profileCacheDir, writeProfileFile } from '../runner/cost/index.ts';
import type { CostProfile } from '../runner/cost/index.ts';
import { calibrate, defaultCalibratedName } from '../runner/cost/calibrate.ts';
import { startProgress } from './progress.ts';
import { UserError } from './user-error.ts';
import { checkProfileMachine, describeProfile, profilePath } from './profile-provenance.ts';

/** Whether a calibrated profile prices the pipeline's threads (client wake-ups, daemon iterations). */
function isThreadModelProfile(profile: CostProfile): boolean {
  return profile.client?.wakeUs !== undefined && profile.daemon.iterations === true && profile.wake !== undefined;
}

/** This machine's calibrated profile: `name`, or cached, or measured now (quick) and cached. */
export async function machineProfile(name: string | undefined, log: (s: string) => void): Promise<CostProfile> {
  const wanted = name ?? defaultCalibratedName();
  try {
    const cached = loadProfile(wanted);
    const file = profilePath(wanted);
    checkProfileMachine(cached, file, name !== undefined ? '--calibrated' : 'cached calibrated profile');
    if (name !== undefined || isThreadModelProfile(cached)) log(`this machine's rows: ${describeProfile(cached, file)}`);
    // A cached profile from before the thread model (client wake-ups, daemon
    // iterations) would price the real-time pipeline the old way: re-measure.
    if (name !== undefined || isThreadModelProfile(cached)) return cached;
    log(`cached profile ${wanted} predates the thread model of xstorm calibrate: measuring this machine again (quick calibration)...`);
  } catch (error) {
    if (!(error instanceof CostProfileError)) throw error;
    if (name !== undefined) throw new UserError(`--calibrated: ${error.issues.join('; ')}`);
    log(`no calibrated profile ${wanted} yet: measuring this machine (quick calibration)...`);
  }
  const progress = startProgress({ label: 'bench: calibrating' });
  let profile: CostProfile;
  try {
    profile = await calibrate({ name: wanted, quick: true, onProgress: (f, note) => progress.update(f, note) });
  } finally {
    progress.stop();
  }
  const file = nodePath.join(profileCacheDir(), `${wanted}.json`);
  writeProfileFile(file, profile);
  log(`this machine's rows: ${describeProfile(profile, file)} (measured now, saved)`);
  return profile;
}
