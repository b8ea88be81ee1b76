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
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';

/** A fresh, empty directory named `<prefix>XXXXXX`; the caller removes it. */
export function makeScratchDir(prefix: string): string {
  const override = process.env['XSTORM_ENGINE_DIR'];
  const bases = override ? [override] : ['/dev/shm', os.tmpdir()];
  const failures: string[] = [];
  for (const base of bases) {
    try {
      return fs.mkdtempSync(nodePath.join(base, prefix));
    } catch (error) {
      failures.push(`${base}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no writable directory for the engine's files (${failures.join('; ')})${override ? ' (set by XSTORM_ENGINE_DIR)' : ''}`);
}

/** Removes a directory made by {@link makeScratchDir}; never throws. */
export function removeScratchDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort: a leftover temp dir is not worth failing a run for
  }
}
