/**
 * Where the `tdb` engine's files live: a storage backend is a directory of
 * named files that the engine opens, copies, renames and removes, and an
 * open file is read and written at offsets (pread/pwrite). Two backends
 * implement it with the same semantics, byte for byte:
 *
 * - `file` ({@link FileStorage}): real files in a real directory, under real
 *   OFD locks — the 2009 xenstored on disk, for real-time runs;
 * - `memory` (memory-storage.ts): TDB's `TDB_INTERNAL` mode — the same layout
 *   in memory pages, a copy shares its pages with the original until either
 *   writes one (copy-on-write), so the simulated clock prices a copy without
 *   paying for it.
 *
 * Everything above this interface (records, chains, free list, journal,
 * transactions, counters) is shared, so both backends give identical
 * replies and counters by construction.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { createRequire } from 'node:module';

/** How a `tdb` store is kept (EngineOptions.storage). */
export type TdbStorageKind = 'file' | 'memory';

/** One open file of a backend (a file descriptor's view). */
export interface StorageFile {
  /** Reads `length` bytes (default: `buf.length`) into the start of `buf` from `off` (like pread); returns the bytes read, short at the end of the file. */
  read(buf: Buffer, off: number, length?: number): number;
  /** Writes `buf` at `off` (like pwrite), growing the file if needed; a gap reads as zeros. */
  write(buf: Buffer, off: number): void;
  /** Physical size of the file (fstat). */
  physicalSize(): number;
  /** Cuts or extends the file to `length` bytes (ftruncate). */
  truncate(length: number): void;
  /** Takes the file's exclusive lock (waits if another descriptor holds it). */
  lock(): void;
  /** Releases the file's lock. */
  unlock(): void;
  /** Closes this descriptor; an unlinked file's data goes with the last one. */
  close(): void;
}

/** A directory of store files (names are plain file names, no slashes). */
export interface StorageBackend {
  readonly kind: TdbStorageKind;
  /** What to call `name` in messages (a path for real files). */
  displayName(name: string): string;
  /** Names of the files present. */
  list(): string[];
  exists(name: string): boolean;
  /** Creates `name`, which must not exist (O_EXCL), and opens it. */
  create(name: string): StorageFile;
  /** Opens the existing `name` for reading and writing. */
  open(name: string): StorageFile;
  /** Opens `name`, creating it empty if missing. */
  openOrCreate(name: string): StorageFile;
  /** Copies the whole of `from` to a new `to` (tdb_copy). */
  copy(from: string, to: string): void;
  /** Renames `from` over `to` atomically; descriptors open on `from` keep working. */
  rename(from: string, to: string): void;
  /** Removes `name` if present; open descriptors keep working. */
  remove(name: string): void;
  /** Called when the engine closes: removes what the backend created for itself. */
  dispose(): void;
}

interface FileLock {
  tryLock(fd: number): boolean;
  waitForLockSync(fd: number): void;
  unlock(fd: number): void;
}
const fileLock = createRequire(import.meta.url)('fs-native-extensions') as FileLock;

class RealFile implements StorageFile {
  readonly #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
  }

  read(buf: Buffer, off: number, length = buf.length): number {
    return fs.readSync(this.#fd, buf, 0, length, off);
  }

  write(buf: Buffer, off: number): void {
    fs.writeSync(this.#fd, buf, 0, buf.length, off);
  }

  physicalSize(): number {
    return fs.fstatSync(this.#fd).size;
  }

  truncate(length: number): void {
    fs.ftruncateSync(this.#fd, length);
  }

  lock(): void {
    if (!fileLock.tryLock(this.#fd)) fileLock.waitForLockSync(this.#fd);
  }

  unlock(): void {
    fileLock.unlock(this.#fd);
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}

/** The `file` backend: real files in `dir`, removed on dispose when `ownsDir`. */
export class FileStorage implements StorageBackend {
  readonly kind = 'file' as const;
  readonly #dir: string;
  readonly #ownsDir: boolean;

  constructor(dir: string, ownsDir: boolean) {
    this.#dir = dir;
    this.#ownsDir = ownsDir;
  }

  #path(name: string): string {
    return nodePath.join(this.#dir, name);
  }

  displayName(name: string): string {
    return this.#path(name);
  }

  list(): string[] {
    return fs.readdirSync(this.#dir);
  }

  exists(name: string): boolean {
    return fs.existsSync(this.#path(name));
  }

  create(name: string): StorageFile {
    return new RealFile(fs.openSync(this.#path(name), 'wx+', 0o640));
  }

  open(name: string): StorageFile {
    return new RealFile(fs.openSync(this.#path(name), 'r+'));
  }

  openOrCreate(name: string): StorageFile {
    const path = this.#path(name);
    return new RealFile(fs.openSync(path, fs.existsSync(path) ? 'r+' : 'w+', 0o640));
  }

  copy(from: string, to: string): void {
    fs.copyFileSync(this.#path(from), this.#path(to));
  }

  rename(from: string, to: string): void {
    fs.renameSync(this.#path(from), this.#path(to));
  }

  remove(name: string): void {
    fs.rmSync(this.#path(name), { force: true });
  }

  dispose(): void {
    if (this.#ownsDir) fs.rmSync(this.#dir, { recursive: true, force: true });
  }
}
