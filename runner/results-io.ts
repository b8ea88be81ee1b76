/**
 * Writing results files from `run` and `sweep`: the file's metadata, its id
 * and the one place it is written ({@link writeResultsFile}: validated
 * against reports/schema.ts, temp file + rename; the implementation lives in
 * reports/io.ts so that every command writes results the same way).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Meta } from '../reports/schema.ts';
import { userCommand } from '../reports/command.ts';

export { writeResultsFile } from '../reports/io.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** xstorm's version from package.json. */
export function xstormVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The git commit of the working tree, or null outside a repository. */
export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

/** Metadata of a results file made by `command` (the argv after `node`; recorded as the user typed it, see `userCommand`). */
export function buildMeta(command: readonly string[]): Meta {
  const cpus = os.cpus();
  return {
    xstormVersion: xstormVersion(),
    gitCommit: gitCommit(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: Math.max(1, cpus.length),
    // What the user typed (`npm run bench`, `npx xstorm sweep ...`), not the launcher's path.
    command: userCommand(command, process.env),
  };
}

/** A timestamp-based results id, e.g. `20261125-114203-run-short-txn`. */
export function newResultsId(kind: string, label: string, date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const safe = label.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${stamp}-${kind}-${safe}`;
}

/** Where a results file goes: `--out <dir>` or `results/<id>` under the working directory. */
export function resultsDirFor(id: string, out?: string): string {
  return out ? path.resolve(out) : path.resolve('results', id);
}
