/**
 * Where the drivers and calibration keep a file-backed engine's files
 * (`tdb`; the others keep the store in memory): a fresh directory on tmpfs (`/dev/shm`) when the
 * machine has one, else in the temp dir.
 *
 * Why tmpfs: xenstored never fsyncs its TDB (engines/tdb/README.md), so its
 * files live in the page cache, which is what tmpfs is. A disk-backed temp
 * dir adds the virtual disk's writeback: kernel work that runs on whatever
 * core is free (on a 2-core machine, the client threads' core) and varies a
 * lot between runs. Measured on this 2-vCPU VM, real-time `short-txn` on
 * tdb at 1 guest: 806 to 1,460 commits/s over four runs on ext4, about
 * 3,000 on tmpfs, and the client threads' CPU per request rose by about
 * 10 µs on ext4 (the sim does not price that kernel work).
 * `XSTORM_ENGINE_DIR` overrides the base directory.
 *
 * Every scratch directory of a process, whichever thread made it, lies in
 * one per-process directory `<base>/xstorm-<pid>/`, which the main thread
 * removes when the process exits (normally, by `process.exit`, or on an
 * uncaught error): a run stopped by a signal that the CLI handles leaves no
 * store behind in RAM-backed /dev/shm. (A process killed with SIGKILL runs
 * no code, so nothing can clean up after it.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** The bases scratch directories may be made under, in order of preference. */
function scratchBases(): string[] {
  const override = process.env['XSTORM_ENGINE_DIR'];
  return override ? [override] : ['/dev/shm', os.tmpdir()];
}

/** `<base>/xstorm-<pid>`: this process's directory under `base`. */
function processRoot(base: string): string {
  return nodePath.join(base, `xstorm-${process.pid}`);
}

// Installed when the main thread loads this module (every driver imports it
// there), so the directories that worker threads make are removed too.
if (isMainThread) process.on('exit', removeProcessScratch);

/** A fresh, empty directory named `<prefix>XXXXXX`; the caller removes it. */
export function makeScratchDir(prefix: string): string {
  const failures: string[] = [];
  for (const base of scratchBases()) {
    try {
      return fs.mkdtempSync(nodePath.join(ensureDir(processRoot(base)), prefix));
    } catch (error) {
      failures.push(`${base}: ${(error as Error).message}`);
    }
  }
  const override = process.env['XSTORM_ENGINE_DIR'] ? ' (set by XSTORM_ENGINE_DIR)' : '';
  throw new Error(`no writable directory for the engine's files (${failures.join('; ')})${override}`);
}

/** Makes `dir` (one level) unless it exists; returns it. */
function ensureDir(dir: string): string {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return dir;
}

/** Removes a directory made by {@link makeScratchDir}; never throws. */
export function removeScratchDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort: a leftover temp dir is not worth failing a run for
  }
}

/**
 * Removes this process's scratch directories, every thread's (synchronous:
 * it runs in the 'exit' event). Called automatically at exit in the main
 * thread.
 */
export function removeProcessScratch(): void {
  for (const base of scratchBases()) {
    try {
      // Threads may still be writing (a daemon thread's transaction copies) while the process exits: retry ENOTEMPTY.
      fs.rmSync(processRoot(base), { recursive: true, force: true, maxRetries: 20, retryDelay: 5 });
    } catch {
      // best effort, as in removeScratchDir
    }
  }
}
