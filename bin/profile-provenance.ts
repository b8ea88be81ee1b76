/**
 * Where a cost profile came from, and whether it describes this machine.
 * `bench` prints the calibrated profile it uses (file, date, machine) and
 * refuses one measured on another machine model: its rows are labelled
 * "this machine's costs", and a profile cached under the same host name on
 * a resized VM, or copied from another machine, would silently price this
 * machine with another's costs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { BUILTIN_PROFILE_DIR, profileCacheDir } from '../runner/cost/index.ts';
import type { CostProfile } from '../runner/cost/index.ts';
import { UserError } from './user-error.ts';

/** The machine model a profile is valid for: CPU model and count, as `xstorm calibrate` records them. */
export interface MachineModel {
  readonly cpu: string;
  readonly cpuCount: number;
}

/** This machine's model (the same fields calibrate records: `os.cpus()`). */
export function thisMachine(): MachineModel {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cpuCount: cpus.length };
}

/**
 * The file a profile name resolves to, looked up in the order
 * runner/cost/load.ts `loadProfile` uses: a path as given, a built-in name,
 * a calibrated name in the profile cache.
 */
export function profilePath(nameOrFile: string, env: NodeJS.ProcessEnv = process.env): string {
  if (nameOrFile.includes('/') || nameOrFile.includes('\\') || nameOrFile.endsWith('.json')) return nodePath.resolve(nameOrFile);
  const builtin = nodePath.join(BUILTIN_PROFILE_DIR, `${nameOrFile}.json`);
  return fs.existsSync(builtin) ? builtin : nodePath.join(profileCacheDir(env), `${nameOrFile}.json`);
}

/** `cpu × n` of a model. */
function describeModel(model: { cpu: string; cpuCount: number | null }): string {
  return `${model.cpu}${model.cpuCount !== null ? ` × ${model.cpuCount}` : ''}`;
}

/** One line naming a profile's file, date and machine. */
export function describeProfile(profile: CostProfile, file: string): string {
  return `profile ${profile.name} (${file}; measured ${profile.createdAt ?? 'at an unknown date'} on ${describeModel(profile.machine)}, ${profile.machine.os})`;
}

/** Why `profile` does not describe `machine` (another CPU model or count), or null when it does. */
export function machineMismatch(profile: CostProfile, machine: MachineModel = thisMachine()): string | null {
  const sameCpu = profile.machine.cpu === machine.cpu;
  const sameCount = profile.machine.cpuCount === null || profile.machine.cpuCount === machine.cpuCount;
  if (sameCpu && sameCount) return null;
  return `it was measured on ${describeModel(profile.machine)}, this machine is ${describeModel(machine)}`;
}

/**
 * Refuses a calibrated profile from another machine model, saying how to
 * measure this one.
 * @throws UserError naming the file, both machines and the command that re-measures.
 */
export function checkProfileMachine(profile: CostProfile, file: string, flag: string, machine: MachineModel = thisMachine()): void {
  const mismatch = machineMismatch(profile, machine);
  if (mismatch === null) return;
  throw new UserError(
    `${flag}: refusing ${describeProfile(profile, file)} for this machine's rows: ${mismatch}; `
      + `measure this machine with \`xstorm calibrate --quick --name ${profile.name} --out ${file}\` (or delete that file) and run bench again`,
  );
}
