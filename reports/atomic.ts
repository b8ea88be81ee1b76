/**
 * Atomic writes: every file is written under a temporary name in its final
 * directory and renamed into place, so a reader never sees half a file, and a
 * whole set of files is rendered in memory first so a failure while
 * rendering leaves the directory untouched.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

/** One file of a set, by its path relative to the target directory. */
export interface PendingFile {
  readonly name: string;
  readonly data: string | Uint8Array;
}

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`);
}

/** Writes one file atomically (temp + rename); creates the directory if needed. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = tempName(target);
  try {
    await writeFile(temp, data);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Writes a set of files into `dir`: all temporaries first, then the renames,
 * in the given order (put the file readers look for first, e.g.
 * results.json, last). Files under `cleanSubdir` that are not in the set are
 * removed afterwards, so a regenerated chart set holds no stale charts.
 * Returns the absolute paths written.
 */
export async function writeFilesAtomic(dir: string, files: readonly PendingFile[], cleanSubdir?: string): Promise<string[]> {
  const staged: Array<{ temp: string; target: string }> = [];
  try {
    for (const file of files) {
      const target = path.resolve(dir, file.name);
      await mkdir(path.dirname(target), { recursive: true });
      const temp = tempName(target);
      staged.push({ temp, target });
      await writeFile(temp, file.data);
    }
  } catch (error) {
    await Promise.all(staged.map(({ temp }) => rm(temp, { force: true })));
    throw error;
  }
  for (const { temp, target } of staged) await rename(temp, target);
  if (cleanSubdir !== undefined) {
    const sub = path.resolve(dir, cleanSubdir);
    const keep = new Set(staged.map(({ target }) => target));
    const entries = await readdir(sub).catch(() => [] as string[]);
    for (const entry of entries) {
      const full = path.join(sub, entry);
      if (!keep.has(full) && !entry.startsWith('.')) await rm(full, { force: true });
    }
  }
  return staged.map(({ target }) => target);
}
