/**
 * Finding profiles: a built-in name (`profiles/<name>.json` beside this
 * file), a profile `xstorm calibrate` saved in the user's cache directory,
 * or a path to a JSON file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { CostProfileError, parseProfile } from './schema.ts';
import type { CostProfile } from './schema.ts';
import { applyVariant, VARIANT_SEPARATOR } from './variants.ts';

/** Directory of the built-in profiles. */
export const BUILTIN_PROFILE_DIR = nodePath.join(nodePath.dirname(fileURLToPath(import.meta.url)), 'profiles');

/** Where `xstorm calibrate` saves named profiles: `$XDG_CACHE_HOME/xstorm/profiles` (default `~/.cache/...`). */
export function profileCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CACHE_HOME'] || nodePath.join(os.homedir(), '.cache');
  return nodePath.join(base, 'xstorm', 'profiles');
}

/** Names of the built-in profiles, sorted. */
export function builtinProfileNames(): string[] {
  return fs.readdirSync(BUILTIN_PROFILE_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

function looksLikePath(nameOrFile: string): boolean {
  return nameOrFile.includes('/') || nameOrFile.includes('\\') || nameOrFile.endsWith('.json');
}

/** Reads and validates one profile file. */
export function readProfileFile(file: string): CostProfile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CostProfileError(file, [`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CostProfileError(file, [`not JSON: ${(e as Error).message}`]);
  }
  return parseProfile(json, file);
}

/**
 * Loads a profile by built-in name, cached calibrated name, or file path;
 * `<name>~<variant>` is a named variant of a profile (its band's ends).
 * Throws {@link CostProfileError} (naming what exists) when nothing matches
 * or the profile is invalid.
 */
export function loadProfile(nameOrFile: string, env: NodeJS.ProcessEnv = process.env): CostProfile {
  if (looksLikePath(nameOrFile)) return readProfileFile(nameOrFile);
  const tilde = nameOrFile.indexOf(VARIANT_SEPARATOR);
  // `xen-2009~copy-slow`: a named variant of a profile (runner/cost/variants.ts).
  if (tilde > 0) return applyVariant(loadProfile(nameOrFile.slice(0, tilde), env), nameOrFile.slice(tilde + 1));
  const builtin = nodePath.join(BUILTIN_PROFILE_DIR, `${nameOrFile}.json`);
  if (fs.existsSync(builtin)) return readProfileFile(builtin);
  const cached = nodePath.join(profileCacheDir(env), `${nameOrFile}.json`);
  if (fs.existsSync(cached)) return readProfileFile(cached);
  const cachedNames = fs.existsSync(profileCacheDir(env))
    ? fs.readdirSync(profileCacheDir(env)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))
    : [];
  throw new CostProfileError(nameOrFile, [
    `no such profile; built-in: ${builtinProfileNames().join(', ')}; calibrated (${profileCacheDir(env)}): ${cachedNames.join(', ') || 'none'}; or give a path to a .json file`,
  ]);
}

/** Writes a validated profile as pretty JSON (temp file + rename). */
export function writeProfileFile(file: string, profile: CostProfile): void {
  const checked = parseProfile(profile, file);
  fs.mkdirSync(nodePath.dirname(nodePath.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(checked, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
