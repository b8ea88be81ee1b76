/**
 * One TDB-like database file, read and written at offsets through its file
 * descriptor (pread/pwrite, like xenstored's tdb.c, which is built without
 * mmap), on either storage backend (storage.ts). Records live in hash chains hanging off HASH_SIZE buckets; freed
 * records go on a free list and are reused best-fit (split when much larger
 * than needed), otherwise the file grows at its end. See layout.ts.
 *
 * What is cached in memory, as TDB caches its header and `map_size`: the file
 * size (= data end) and the live/free record counts (written through to the
 * header on every change). The free-list head, bucket heads and records are
 * read from the file on every access.
 */
import {
  DATA_START, FILE_MAGIC, FILE_VERSION, HASH_SIZE, HDR, HEADER_SIZE, MIN_SPLIT_BODY, REC,
  RECORD_HEADER, REC_FREE, REC_LIVE, align, bucketOffset, decodeNode, encodeNode, hashPath,
} from './layout.ts';
import type { NodeData } from './layout.ts';
import type { UndoJournal } from './journal.ts';
import { crashPoint } from './crash.ts';
import type { StorageBackend, StorageFile } from './storage.ts';
import type { TdbWorkCounters } from './counters.ts';

/** The engine's work counters (shared by every file the engine opens). */
export type Counters = TdbWorkCounters;

/**
 * Free records examined per allocation before giving up and growing the
 * file. TDB walks the whole list (and merges neighbours on free); without a
 * bound the walk makes building a 100k-node store quadratic.
 */
const FREE_LIST_SEARCH_LIMIT = 8;

/** Bytes read at once when visiting a record: header, key and usually the data. */
const SPECULATIVE_READ = 512;

/** Whether the key bytes of the record in `buf` are `key` (latin1; lengths already equal). */
function keyMatches(buf: Buffer, key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    if (buf[RECORD_HEADER + i] !== key.charCodeAt(i)) return false;
  }
  return true;
}

/** A record as read from the file. */
interface RecordView {
  off: number;
  next: number;
  capacity: number;
  keyLen: number;
  dataLen: number;
  hash: number;
  /**
   * Header + body bytes read so far (at least header + key): the first
   * `len` bytes. The file's scratch buffer, valid until its next record
   * read, unless a longer read replaced it.
   */
  buf: Buffer;
  len: number;
}

/** A TDB-like file opened read-write. */
export class TdbFile {
  #path: string;
  /** The open file (descriptor) on its backend. */
  readonly storage: StorageFile;
  /** Undo journal recording every write while a live operation runs, or null. */
  journal: UndoJournal | null = null;
  #size: number;
  #recordCount: number;
  #freeCount: number;
  readonly #c: Counters;
  // Scratch buffers from Node's pool (allocUnsafe: a transaction start opens a file, so these are per start).
  readonly #u32 = Buffer.allocUnsafe(4);
  readonly #w32 = Buffer.allocUnsafe(4);
  /** Where records are read speculatively (one per file: a record view is used before the next read). */
  readonly #scratch = Buffer.allocUnsafe(SPECULATIVE_READ);

  private constructor(path: string, storage: StorageFile, c: Counters) {
    this.#path = path;
    this.storage = storage;
    this.#c = c;
    const hdr = Buffer.alloc(HEADER_SIZE);
    this.#read(hdr, 0);
    if (!hdr.subarray(0, 8).equals(FILE_MAGIC)) throw new Error(`${path}: not a xstorm tdb file`);
    if (hdr.readUInt32LE(HDR.version) !== FILE_VERSION) throw new Error(`${path}: unsupported version`);
    if (hdr.readUInt32LE(HDR.hashSize) !== HASH_SIZE) throw new Error(`${path}: unexpected hash size`);
    this.#size = hdr.readUInt32LE(HDR.dataEnd);
    this.#recordCount = hdr.readUInt32LE(HDR.recordCount);
    this.#freeCount = hdr.readUInt32LE(HDR.freeCount);
  }

  /** Creates a fresh file holding the header and empty buckets (O_EXCL, like xenstored). */
  static create(backend: StorageBackend, name: string, c: Counters): TdbFile {
    const storage = backend.create(name);
    c.fileOpens++;
    const init = Buffer.alloc(DATA_START);
    FILE_MAGIC.copy(init, 0);
    init.writeUInt32LE(FILE_VERSION, HDR.version);
    init.writeUInt32LE(HASH_SIZE, HDR.hashSize);
    init.writeUInt32LE(DATA_START, HDR.dataEnd);
    storage.write(init, 0);
    c.bytesWritten += init.length;
    return new TdbFile(backend.displayName(name), storage, c);
  }

  /** Opens an existing file. */
  static open(backend: StorageBackend, name: string, c: Counters): TdbFile {
    const storage = backend.open(name);
    c.fileOpens++;
    try {
      return new TdbFile(backend.displayName(name), storage, c);
    } catch (e) {
      storage.close();
      throw e;
    }
  }

  /** Logical size of the file (end of the last record). */
  get size(): number {
    return this.#size;
  }
  /** Live records. */
  get recordCount(): number {
    return this.#recordCount;
  }
  /** Records on the free list. */
  get freeCount(): number {
    return this.#freeCount;
  }

  /** Path the file is known by. */
  get path(): string {
    return this.#path;
  }

  /** Records that the file was renamed (a committed transaction's copy became the live file). */
  renamed(path: string): void {
    this.#path = path;
  }

  close(): void {
    this.storage.close();
  }

  // ---- raw I/O -----------------------------------------------------------

  #read(buf: Buffer, off: number, length = buf.length): number {
    const n = this.storage.read(buf, off, length);
    this.#c.bytesRead += n;
    return n;
  }

  /** Writes `buf` at `off`, journalling the bytes it overwrites first. */
  write(buf: Buffer, off: number): void {
    if (this.journal) this.journal.record(this, off, buf.length);
    this.storage.write(buf, off);
    this.#c.bytesWritten += buf.length;
    if (this.journal) crashPoint('live-write');
  }

  /** Reads `len` bytes at `off` without counting them as store work (journal use). */
  readRaw(off: number, len: number): Buffer {
    const buf = Buffer.allocUnsafe(len);
    const n = this.storage.read(buf, off);
    return n === len ? buf : buf.subarray(0, n);
  }

  #readU32(off: number): number {
    this.#read(this.#u32, off);
    return this.#u32.readUInt32LE(0);
  }

  #writeU32(off: number, value: number): void {
    const b = this.#w32;
    b.writeUInt32LE(value, 0);
    this.write(b, off);
  }

  #setRecordCount(n: number): void {
    this.#recordCount = n;
    this.#writeU32(HDR.recordCount, n);
  }

  #setFreeCount(n: number): void {
    this.#freeCount = n;
    this.#writeU32(HDR.freeCount, n);
  }

  /** Forgets cached header fields after the file was changed underneath (journal undo). */
  reloadHeader(): void {
    const hdr = Buffer.alloc(HEADER_SIZE);
    this.#read(hdr, 0);
    this.#size = hdr.readUInt32LE(HDR.dataEnd);
    this.#recordCount = hdr.readUInt32LE(HDR.recordCount);
    this.#freeCount = hdr.readUInt32LE(HDR.freeCount);
  }

  // ---- records -----------------------------------------------------------

  /** Reads a record header and at least its key (and usually its data). */
  #readRecord(off: number): RecordView {
    const want = Math.min(SPECULATIVE_READ, this.#size - off);
    if (want < RECORD_HEADER) throw new Error(`${this.path}: record at ${off} beyond end`);
    let buf: Buffer = this.#scratch;
    let len = this.#read(buf, off, want);
    this.#c.recordsRead++;
    const magic = buf.readUInt32LE(REC.magic);
    if (magic !== REC_LIVE) throw new Error(`${this.path}: bad record magic 0x${magic.toString(16)} at ${off}`);
    const keyLen = buf.readUInt32LE(REC.keyLen);
    const dataLen = buf.readUInt32LE(REC.dataLen);
    const capacity = buf.readUInt32LE(REC.capacity);
    if (keyLen + dataLen > capacity || off + RECORD_HEADER + capacity > this.#size) {
      throw new Error(`${this.path}: record at ${off} overruns`);
    }
    if (RECORD_HEADER + keyLen > len) {
      buf = this.#extend(buf, len, off, RECORD_HEADER + keyLen);
      len = buf.length;
    }
    return {
      off, keyLen, dataLen, capacity, buf, len,
      next: buf.readUInt32LE(REC.next),
      hash: buf.readUInt32LE(REC.hash),
    };
  }

  /** The first `have` bytes of `buf` (read from `off`) followed by the rest up to `want` bytes, read now. */
  #extend(buf: Buffer, have: number, off: number, want: number): Buffer {
    const full = Buffer.allocUnsafe(want);
    buf.copy(full, 0, 0, have);
    const rest = full.subarray(have);
    const n = this.storage.read(rest, off + have);
    this.#c.bytesRead += n;
    return full;
  }

  /** The whole record (header, key and data) of a view. */
  #whole(rec: RecordView): Buffer {
    const end = RECORD_HEADER + rec.keyLen + rec.dataLen;
    return end > rec.len ? this.#extend(rec.buf, rec.len, rec.off, end) : rec.buf;
  }

  #find(key: string, hash: number): RecordView | null {
    let off = this.#readU32(bucketOffset(hash % HASH_SIZE));
    let guard = 0;
    while (off !== 0) {
      const rec = this.#readRecord(off);
      if (rec.hash === hash && rec.keyLen === key.length && keyMatches(rec.buf, key)) return rec;
      off = rec.next;
      if (++guard > 1 << 26) throw new Error(`${this.path}: hash chain loop`);
    }
    return null;
  }

  /** The node stored under `path`, or null. */
  fetchNode(path: string): NodeData | null {
    const rec = this.#find(path, hashPath(path));
    if (!rec) return null;
    return decodeNode(this.#whole(rec), RECORD_HEADER + rec.keyLen, rec.dataLen);
  }

  /** Stores (inserts or replaces) the node under `path`. */
  storeNode(path: string, node: NodeData): void {
    const keyLength = path.length;
    const data = encodeNode(node);
    const hash = hashPath(path);
    const old = this.#find(path, hash);
    if (old && old.capacity >= keyLength + data.length) {
      // In place, like tdb_update_hash: data first, then its length.
      this.write(data, old.off + RECORD_HEADER + keyLength);
      if (old.dataLen !== data.length) this.#writeU32(old.off + REC.dataLen, data.length);
      this.#c.recordsWritten++;
      return;
    }
    if (old) this.#unlinkAndFree(old);
    // A record that outgrew its place gets 50% room to grow (our addition, see
    // README): otherwise a directory gaining children one by one leaves a dead
    // copy of itself per child and the file (and every copy of it) bloats.
    const need = keyLength + data.length;
    const { off, capacity } = this.#allocate(old ? need + (need >> 1) : need);
    const bucket = bucketOffset(hash % HASH_SIZE);
    const rec = Buffer.alloc(RECORD_HEADER + capacity); // padding written too: the file ends where the header says
    rec.writeUInt32LE(REC_LIVE, REC.magic);
    rec.writeUInt32LE(this.#readU32(bucket), REC.next);
    rec.writeUInt32LE(capacity, REC.capacity);
    rec.writeUInt32LE(keyLength, REC.keyLen);
    rec.writeUInt32LE(data.length, REC.dataLen);
    rec.writeUInt32LE(hash, REC.hash);
    rec.write(path, RECORD_HEADER, keyLength, 'latin1');
    data.copy(rec, RECORD_HEADER + keyLength);
    this.write(rec, off);
    this.#c.recordsWritten++;
    this.#writeU32(bucket, off);
    this.#setRecordCount(this.#recordCount + 1);
  }

  /** Deletes the record of `path`; returns false if there was none. */
  deleteNode(path: string): boolean {
    const rec = this.#find(path, hashPath(path));
    if (!rec) return false;
    this.#unlinkAndFree(rec);
    return true;
  }

  #unlinkAndFree(rec: RecordView): void {
    const bucket = bucketOffset(rec.hash % HASH_SIZE);
    let prevLink = bucket;
    let off = this.#readU32(bucket);
    while (off !== rec.off) {
      if (off === 0) throw new Error(`${this.path}: record ${rec.off} not on its chain`);
      prevLink = off + REC.next;
      off = this.#readRecord(off).next;
    }
    this.#writeU32(prevLink, rec.next);
    this.#free(rec.off, rec.capacity);
    this.#setRecordCount(this.#recordCount - 1);
  }

  #free(off: number, capacity: number): void {
    const hdr = Buffer.alloc(RECORD_HEADER);
    hdr.writeUInt32LE(REC_FREE, REC.magic);
    hdr.writeUInt32LE(this.#readU32(HDR.freeHead), REC.next);
    hdr.writeUInt32LE(capacity, REC.capacity);
    this.write(hdr, off);
    this.#c.recordsWritten++;
    this.#writeU32(HDR.freeHead, off);
    this.#setFreeCount(this.#freeCount + 1);
  }

  /**
   * Best-fit allocation from the free list (stop at a fit wasting less than
   * half, or after FREE_LIST_SEARCH_LIMIT records), else grow the file.
   */
  #allocate(need: number): { off: number; capacity: number } {
    const want = align(need, 8);
    let link = HDR.freeHead;
    let off = this.#readU32(link);
    let best = 0;
    let bestLink = 0;
    let bestCap = 0;
    let bestNext = 0;
    const hdr = Buffer.allocUnsafe(12);
    let guard = 0;
    while (off !== 0) {
      this.#read(hdr, off);
      this.#c.recordsRead++;
      if (hdr.readUInt32LE(REC.magic) !== REC_FREE) throw new Error(`${this.path}: bad free record at ${off}`);
      const next = hdr.readUInt32LE(REC.next);
      const cap = hdr.readUInt32LE(REC.capacity);
      if (cap >= want && (best === 0 || cap < bestCap)) {
        best = off;
        bestLink = link;
        bestCap = cap;
        bestNext = next;
        if (cap < 2 * want) break;
      }
      link = off + REC.next;
      off = next;
      if (++guard >= FREE_LIST_SEARCH_LIMIT) break;
    }
    if (best !== 0) {
      this.#writeU32(bestLink, bestNext);
      this.#setFreeCount(this.#freeCount - 1);
      if (bestCap - want >= RECORD_HEADER + MIN_SPLIT_BODY) {
        this.#free(best + RECORD_HEADER + want, bestCap - want - RECORD_HEADER);
        return { off: best, capacity: want };
      }
      return { off: best, capacity: bestCap };
    }
    const at = this.#size;
    this.#size = at + RECORD_HEADER + want;
    this.#writeU32(HDR.dataEnd, this.#size);
    return { off: at, capacity: want };
  }

  /** Calls `fn` for every live record (bucket order, chain order). */
  traverse(fn: (path: string, node: NodeData) => void): void {
    const heads = Buffer.allocUnsafe(HASH_SIZE * 4);
    this.#read(heads, bucketOffset(0));
    for (let b = 0; b < HASH_SIZE; b++) {
      let off = heads.readUInt32LE(b * 4);
      while (off !== 0) {
        const rec = this.#readRecord(off);
        const buf = this.#whole(rec);
        fn(buf.toString('latin1', RECORD_HEADER, RECORD_HEADER + rec.keyLen), decodeNode(buf, RECORD_HEADER + rec.keyLen, rec.dataLen));
        off = rec.next;
      }
    }
  }
}
