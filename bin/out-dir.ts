/**
 * Checking an output directory (`--out`) before any work starts, so that a
 * long run never ends in a write that cannot succeed or that silently
 * replaces earlier results:
 *
 * - a path that names a file, or lies under one, is refused;
 * - the nearest existing directory must accept a new entry: a probe
 *   directory is made there and removed. This catches read-only mounts,
 *   permissions, and procfs/sysfs (where Node's recursive mkdir loops
 *   forever on ENOENT instead of failing);
 * - a directory that already holds results (results.json) is refused unless
 *   the command was given `--force`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RESULTS_JSON } from '../reports/io.ts';
import { UserError } from './user-error.ts';

/** Options of {@link checkOutDir}. */
export interface OutDirOptions {
  /** The flag named in messages (default `--out`). */
  readonly flag?: string;
  /** Replace results already in the directory (`--force`). */
  readonly force?: boolean;
  /** Results directories that may be rewritten without `--force` (e.g. `report`'s own input). */
  readonly mayRewrite?: readonly string[];
}

/**
 * Checks that results can be written to `out` (see the module comment) and
 * returns its absolute path. Creates nothing.
 * @throws UserError with a one-line reason.
 */
export function checkOutDir(out: string, options: OutDirOptions = {}): string {
  const flag = options.flag ?? '--out';
  const dir = path.resolve(out);
  const what = `${flag} ${out}`;
  const existing = nearestExisting(dir);
  const stat = fs.statSync(existing);
  if (!stat.isDirectory()) {
    throw new UserError(existing === dir ? `${what}: is a file, not a directory` : `${what}: ${existing} is a file, not a directory`);
  }
  if (existing === dir && fs.existsSync(path.join(dir, RESULTS_JSON))) {
    const mine = (options.mayRewrite ?? []).some((other) => path.resolve(other) === dir);
    if (!mine && !options.force) {
      throw new UserError(`${what}: already holds results (${RESULTS_JSON}); give a new directory, or add --force to replace them`);
    }
  }
  probeWritable(existing, what);
  return dir;
}

/**
 * Checks that a single output file (`calibrate --out`) can be written: it
 * is not a directory, and its nearest existing directory accepts a new
 * entry (see {@link checkOutDir}). An existing file is replaced (a profile
 * is re-measured on purpose). Returns its absolute path.
 * @throws UserError with a one-line reason.
 */
export function checkOutFile(out: string, flag = '--out'): string {
  const file = path.resolve(out);
  const what = `${flag} ${out}`;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new UserError(`${what}: is a directory, not a file`);
  const existing = nearestExisting(path.dirname(file));
  if (!fs.statSync(existing).isDirectory()) throw new UserError(`${what}: ${existing} is a file, not a directory`);
  probeWritable(existing, what);
  return file;
}

/**
 * A results directory `results/<id>` that does not exist yet: `id`, or
 * `id-2`, `id-3`, ... when an earlier run of the same second took it.
 */
export function freshResultsDir(id: string, base = path.resolve('results')): string {
  for (let n = 1; ; n++) {
    const dir = path.join(base, n === 1 ? id : `${id}-${n}`);
    if (!fs.existsSync(dir)) return dir;
  }
}

/** `dir` itself if it exists, else its closest existing ancestor. */
function nearestExisting(dir: string): string {
  let current = dir;
  for (;;) {
    try {
      fs.statSync(current);
      return current;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a component is a file; the walk up finds it and reports it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UserError(`cannot use ${current}: ${code ?? (error as Error).message}`);
    }
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

/** Makes and removes a directory in `dir`; a failure means results cannot be written there. */
function probeWritable(dir: string, what: string): void {
  let probe: string;
  try {
    probe = fs.mkdtempSync(path.join(dir, '.xstorm-probe-'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UserError(`${what}: cannot write results under ${dir} (${code})`);
  }
  fs.rmdirSync(probe);
}
