/**
 * The `memory` storage backend of the `tdb` engine (TDB's `TDB_INTERNAL`
 * mode, which cxenstored has used since Xen 4.9): the same files, byte for
 * byte, kept in 4 KB pages. A copy shares every page with its original and
 * a page is copied only when one side first writes it (copy-on-write), so a
 * transaction start costs a page table, not the store: the simulated clock
 * prices the copy from `bytesCopied` without paying for it. See storage.ts.
 */
import type { StorageBackend, StorageFile } from './storage.ts';

/** Bytes per page: the unit that a copy shares and a first write duplicates. */
const PAGE_SIZE = 4096;

/**
 * A file's content (an inode: names and descriptors point at it). Bytes past
 * `size` inside the last page are always zero, so growing a file shows zeros.
 */
class MemoryInode {
  pages: Buffer[] = [];
  /** `owned[i]`: page i is this inode's alone and may be written in place. */
  owned: boolean[] = [];
  size = 0;

  /** A copy sharing every page; from now on neither side owns them. */
  clone(): MemoryInode {
    const copy = new MemoryInode();
    copy.pages = this.pages.slice();
    copy.owned = new Array<boolean>(this.pages.length).fill(false);
    this.owned.fill(false);
    copy.size = this.size;
    return copy;
  }

  /** Page `i`, ready to be written (copied first if shared, created zeroed if missing). */
  #writable(i: number): Buffer {
    while (this.pages.length <= i) {
      this.pages.push(Buffer.alloc(PAGE_SIZE));
      this.owned.push(true);
    }
    if (!this.owned[i]) {
      this.pages[i] = Buffer.from(this.pages[i]!);
      this.owned[i] = true;
    }
    return this.pages[i]!;
  }

  read(buf: Buffer, off: number): number {
    const n = Math.max(0, Math.min(buf.length, this.size - off));
    let done = 0;
    while (done < n) {
      const at = off + done;
      const page = this.pages[Math.floor(at / PAGE_SIZE)]!;
      const inPage = at % PAGE_SIZE;
      const len = Math.min(n - done, PAGE_SIZE - inPage);
      page.copy(buf, done, inPage, inPage + len);
      done += len;
    }
    return n;
  }

  write(buf: Buffer, off: number): void {
    let done = 0;
    while (done < buf.length) {
      const at = off + done;
      const page = this.#writable(Math.floor(at / PAGE_SIZE));
      const inPage = at % PAGE_SIZE;
      const len = Math.min(buf.length - done, PAGE_SIZE - inPage);
      buf.copy(page, inPage, done, done + len);
      done += len;
    }
    if (off + buf.length > this.size) this.size = off + buf.length;
  }

  truncate(length: number): void {
    if (length >= this.size) {
      while (this.pages.length < Math.ceil(length / PAGE_SIZE)) {
        this.pages.push(Buffer.alloc(PAGE_SIZE));
        this.owned.push(true);
      }
      this.size = length;
      return;
    }
    const keepPages = Math.ceil(length / PAGE_SIZE);
    this.pages.length = keepPages;
    this.owned.length = keepPages;
    const inPage = length % PAGE_SIZE;
    if (inPage !== 0) this.#writable(keepPages - 1).fill(0, inPage);
    this.size = length;
  }
}

class MemoryFile implements StorageFile {
  readonly #inode: MemoryInode;

  constructor(inode: MemoryInode) {
    this.#inode = inode;
  }

  read(buf: Buffer, off: number): number {
    return this.#inode.read(buf, off);
  }

  write(buf: Buffer, off: number): void {
    this.#inode.write(buf, off);
  }

  physicalSize(): number {
    return this.#inode.size;
  }

  truncate(length: number): void {
    this.#inode.truncate(length);
  }

  // One engine owns a memory store and runs one operation at a time: there is
  // no one to exclude (the engine still counts each acquisition it would make).
  lock(): void {}
  unlock(): void {}
  close(): void {}
}

/** The `memory` backend: a private directory of in-memory files. */
export class MemoryStorage implements StorageBackend {
  readonly kind = 'memory' as const;
  readonly #files = new Map<string, MemoryInode>();

  displayName(name: string): string {
    return `memory:${name}`;
  }

  list(): string[] {
    return [...this.#files.keys()];
  }

  exists(name: string): boolean {
    return this.#files.has(name);
  }

  #inode(name: string): MemoryInode {
    const inode = this.#files.get(name);
    if (!inode) throw new Error(`${this.displayName(name)}: no such file`);
    return inode;
  }

  create(name: string): StorageFile {
    if (this.#files.has(name)) throw new Error(`${this.displayName(name)}: file exists`);
    const inode = new MemoryInode();
    this.#files.set(name, inode);
    return new MemoryFile(inode);
  }

  open(name: string): StorageFile {
    return new MemoryFile(this.#inode(name));
  }

  openOrCreate(name: string): StorageFile {
    return this.#files.has(name) ? this.open(name) : this.create(name);
  }

  copy(from: string, to: string): void {
    this.#files.set(to, this.#inode(from).clone());
  }

  rename(from: string, to: string): void {
    const inode = this.#inode(from);
    this.#files.delete(from);
    this.#files.set(to, inode);
  }

  remove(name: string): void {
    this.#files.delete(name);
  }

  dispose(): void {
    this.#files.clear();
  }
}
