/**
 * The `memory` storage backend of the `tdb` engine (TDB's `TDB_INTERNAL`
 * mode, which cxenstored has used since Xen 4.9): the same files, byte for
 * byte, kept in 4 KB pages. A copy shares every page with its original and
 * a page is copied only when one side first writes it (copy-on-write), so a
 * transaction start costs a page table, not the store: the simulated clock
 * prices the copy from `bytesCopied` without paying for it. Pages count the
 * files holding them, so once a copy is gone (aborted, or renamed over the
 * file it was copied from) the survivor writes in place again. See
 * storage.ts.
 */
import type { StorageBackend, StorageFile } from './storage.ts';

/** Bytes per page: the unit that a copy shares and a first write duplicates. */
const PAGE_SIZE = 4096;

/**
 * Pages are cut from slabs of this many: allocating a 4 KB ArrayBuffer per
 * page copy cost more than the copy (0.66 µs), and a tdb run copies pages
 * hundreds of thousands of times. A slab lives until all its pages are gone.
 */
const PAGES_PER_SLAB = 16;
let slab: Buffer = Buffer.alloc(0);
let slabUsed = 0;

/** A fresh page holding a copy of `from`, or zeros. */
function newPage(from?: Buffer): Buffer {
  if (slabUsed === slab.length) {
    slab = Buffer.allocUnsafeSlow(PAGE_SIZE * PAGES_PER_SLAB);
    slabUsed = 0;
  }
  const page = slab.subarray(slabUsed, slabUsed + PAGE_SIZE);
  slabUsed += PAGE_SIZE;
  if (from) from.copy(page);
  else page.fill(0);
  return page;
}

/** Copies below this many bytes go byte by byte: Buffer#copy of part of a buffer allocates a view (Node 20). */
const SHORT_COPY = 64;

/** Copies `len` bytes from `from[fromAt..]` to `to[toAt..]`. */
function copyBytes(from: Buffer, fromAt: number, to: Buffer, toAt: number, len: number): void {
  if (len < SHORT_COPY) {
    for (let i = 0; i < len; i++) to[toAt + i] = from[fromAt + i]!;
  } else {
    from.copy(to, toAt, fromAt, fromAt + len);
  }
}

/** A page and the number of files holding it (a file may write it in place only when it holds it alone). */
interface Page {
  readonly buf: Buffer;
  refs: number;
}

/**
 * A file's content (an inode: names and descriptors point at it). Bytes past
 * `size` inside the last page are always zero, so growing a file shows zeros.
 * When its last name and descriptor are gone it releases its pages, so the
 * file it was copied from (or copied to) writes them in place again.
 */
class MemoryInode {
  pages: Page[] = [];
  size = 0;
  /** Names (directory entries) and open descriptors pointing here. */
  links = 0;
  opens = 0;
  #released = false;

  /** A copy sharing every page. */
  clone(): MemoryInode {
    const copy = new MemoryInode();
    copy.pages = this.pages.slice();
    for (const page of this.pages) page.refs++;
    copy.size = this.size;
    return copy;
  }

  /** Drops one name or descriptor; the last one gives the pages back. */
  unref(kind: 'links' | 'opens'): void {
    this[kind]--;
    if (this.links > 0 || this.opens > 0 || this.#released) return;
    this.#released = true;
    for (const page of this.pages) page.refs--;
    this.pages = [];
  }

  /** Page `i`, ready to be written (copied first if shared, created zeroed if missing). */
  #writable(i: number): Buffer {
    const pages = this.pages;
    while (pages.length <= i) pages.push({ buf: newPage(), refs: 1 });
    const page = pages[i]!;
    if (page.refs === 1) return page.buf;
    page.refs--;
    const own = { buf: newPage(page.buf), refs: 1 };
    pages[i] = own;
    return own.buf;
  }

  read(buf: Buffer, off: number, length: number): number {
    const n = Math.max(0, Math.min(length, this.size - off));
    let done = 0;
    while (done < n) {
      const at = off + done;
      const page = this.pages[Math.floor(at / PAGE_SIZE)]!.buf;
      const inPage = at % PAGE_SIZE;
      const len = Math.min(n - done, PAGE_SIZE - inPage);
      copyBytes(page, inPage, buf, done, len);
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
      copyBytes(buf, done, page, inPage, len);
      done += len;
    }
    if (off + buf.length > this.size) this.size = off + buf.length;
  }

  truncate(length: number): void {
    const keepPages = Math.ceil(length / PAGE_SIZE);
    if (length >= this.size) {
      while (this.pages.length < keepPages) this.pages.push({ buf: newPage(), refs: 1 });
      this.size = length;
      return;
    }
    for (let i = keepPages; i < this.pages.length; i++) this.pages[i]!.refs--;
    this.pages.length = keepPages;
    const inPage = length % PAGE_SIZE;
    if (inPage !== 0) this.#writable(keepPages - 1).fill(0, inPage);
    this.size = length;
  }
}

class MemoryFile implements StorageFile {
  readonly #inode: MemoryInode;
  #closed = false;

  constructor(inode: MemoryInode) {
    this.#inode = inode;
    inode.opens++;
  }

  read(buf: Buffer, off: number, length = buf.length): number {
    return this.#inode.read(buf, off, length);
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

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inode.unref('opens');
  }
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

  /** Points `name` at `inode`, dropping whatever it named before. */
  #link(name: string, inode: MemoryInode): void {
    inode.links++;
    const old = this.#files.get(name);
    this.#files.set(name, inode);
    old?.unref('links');
  }

  create(name: string): StorageFile {
    if (this.#files.has(name)) throw new Error(`${this.displayName(name)}: file exists`);
    const inode = new MemoryInode();
    this.#link(name, inode);
    return new MemoryFile(inode);
  }

  open(name: string): StorageFile {
    return new MemoryFile(this.#inode(name));
  }

  openOrCreate(name: string): StorageFile {
    return this.#files.has(name) ? this.open(name) : this.create(name);
  }

  copy(from: string, to: string): void {
    this.#link(to, this.#inode(from).clone());
  }

  rename(from: string, to: string): void {
    if (from === to) return;
    const inode = this.#inode(from);
    this.#files.delete(from);
    const old = this.#files.get(to);
    this.#files.set(to, inode);
    old?.unref('links');
  }

  remove(name: string): void {
    const inode = this.#files.get(name);
    if (!inode) return;
    this.#files.delete(name);
    inode.unref('links');
  }

  dispose(): void {
    this.#files.clear();
  }
}
