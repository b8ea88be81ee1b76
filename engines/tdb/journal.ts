/**
 * Undo journal that makes each non-transactional operation on the live file
 * atomic against a process crash (the 2009 TDB had none; xenstored relied on
 * write ordering plus a store check at start-up, see README.md).
 *
 * Before any byte of the live file is overwritten, the bytes it replaces are
 * appended to the journal as one entry `off, len, checksum, old bytes`; the
 * journal header records the file size when the operation began. At the end
 * of the operation the journal is truncated to zero. On open, a non-empty
 * journal is rolled back: its valid entries are written back newest first
 * and the file is truncated to the recorded size. A torn last entry (the
 * crash hit while writing it) is ignored: its data write had not started.
 * Nothing is fsynced: like xenstored, the store survives a killed process
 * (the page cache keeps every completed write), not a power cut.
 */
import type { Counters, TdbFile } from './file.ts';
import { crashPoint } from './crash.ts';
import type { StorageFile } from './storage.ts';

const JOURNAL_MAGIC = 0x4a524e4c; // 'JRNL'
const JOURNAL_HEADER = 8;
const ENTRY_HEADER = 12;

function checksum(off: number, bytes: Buffer): number {
  let h = (0x811c9dc5 ^ off) >>> 0;
  h = Math.imul(h ^ bytes.length, 0x01000193) >>> 0;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193) >>> 0;
  return h;
}

/** The undo journal beside a store file. */
export class UndoJournal {
  readonly #file: StorageFile;
  readonly #c: Counters;
  #pos = 0;
  #baseSize = 0;

  /** Keeps the journal in `file` (opened or created by the caller, who counts the open). */
  constructor(file: StorageFile, c: Counters) {
    this.#file = file;
    this.#c = c;
  }

  /** Starts journalling an operation on `file`. */
  begin(file: TdbFile): void {
    this.#pos = 0;
    this.#baseSize = file.size;
    file.journal = this;
  }

  /** Saves the bytes `file` holds at [off, off+len) before they are overwritten. */
  record(file: TdbFile, off: number, len: number): void {
    if (this.#pos === 0) {
      const hdr = Buffer.allocUnsafe(JOURNAL_HEADER);
      hdr.writeUInt32LE(JOURNAL_MAGIC, 0);
      hdr.writeUInt32LE(this.#baseSize, 4);
      this.#file.write(hdr, 0);
      this.#pos = JOURNAL_HEADER;
      this.#c.journalBytes += JOURNAL_HEADER;
    }
    const n = Math.min(off + len, this.#baseSize) - off;
    if (n <= 0) return; // beyond the original end: undone by truncation
    const old = file.readRaw(off, n);
    const entry = Buffer.allocUnsafe(ENTRY_HEADER + old.length);
    entry.writeUInt32LE(off, 0);
    entry.writeUInt32LE(old.length, 4);
    entry.writeUInt32LE(checksum(off, old), 8);
    old.copy(entry, ENTRY_HEADER);
    this.#file.write(entry, this.#pos);
    this.#pos += entry.length;
    this.#c.journalWrites++;
    this.#c.journalBytes += entry.length;
    crashPoint('journal-entry');
  }

  /** Ends the operation: the journal is emptied, the changes stay. */
  end(file: TdbFile): void {
    file.journal = null;
    if (this.#pos !== 0) this.#file.truncate(0);
    this.#pos = 0;
  }

  /** Undoes the current operation's writes (after a failure mid-operation). */
  rollback(file: TdbFile): void {
    file.journal = null;
    if (this.#pos !== 0) this.recover(file);
    else if (file.size !== this.#baseSize) {
      file.storage.truncate(this.#baseSize);
      file.reloadHeader();
    }
    this.#pos = 0;
  }

  /**
   * Rolls back whatever a crashed operation left in the journal; returns the
   * number of entries undone (0 when the journal was empty).
   */
  recover(file: TdbFile): number {
    const size = this.#file.physicalSize();
    if (size < JOURNAL_HEADER) {
      if (size !== 0) this.#file.truncate(0);
      return 0;
    }
    const all = Buffer.allocUnsafe(size);
    this.#file.read(all, 0);
    if (all.readUInt32LE(0) !== JOURNAL_MAGIC) {
      this.#file.truncate(0);
      return 0;
    }
    const baseSize = all.readUInt32LE(4);
    const entries: { off: number; bytes: Buffer }[] = [];
    let pos = JOURNAL_HEADER;
    while (pos + ENTRY_HEADER <= size) {
      const off = all.readUInt32LE(pos);
      const len = all.readUInt32LE(pos + 4);
      const sum = all.readUInt32LE(pos + 8);
      if (pos + ENTRY_HEADER + len > size) break;
      const bytes = all.subarray(pos + ENTRY_HEADER, pos + ENTRY_HEADER + len);
      if (checksum(off, bytes) !== sum) break;
      entries.push({ off, bytes });
      pos += ENTRY_HEADER + len;
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      file.storage.write(e.bytes, e.off);
    }
    file.storage.truncate(baseSize);
    this.#file.truncate(0);
    file.reloadHeader();
    return entries.length;
  }

  close(): void {
    this.#file.close();
  }
}
