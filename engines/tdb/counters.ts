/**
 * The `tdb` engine's counters: the common ones (engines/types.ts, counted by
 * the wrapper) and its work, which the simulated driver prices.
 */
import type { CommonCounterName } from '../types.ts';

/** Every counter, in the order results show them (all present from the start). */
export const TDB_COUNTER_NAMES = [
  'reads', 'writes', 'directories', 'rms', 'mkdirs', 'getPerms', 'setPerms',
  'txStarts', 'commits', 'aborts', 'voluntaryAborts',
  'recordsRead', 'recordsWritten', 'bytesRead', 'bytesWritten',
  'fileCopies', 'bytesCopied', 'renames', 'fileOpens', 'lockAcquisitions', 'fsyncs',
  'journalWrites', 'journalBytes',
] as const;

/** Name of a `tdb` counter. */
export type TdbCounterName = (typeof TDB_COUNTER_NAMES)[number];

/**
 * The engine's work, on both storage backends alike:
 * - `recordsRead`, `recordsWritten`: records visited (a record header read
 *   while walking a chain or the free list counts) and written (a whole
 *   record, an in-place update or a freed record's header);
 * - `bytesRead`, `bytesWritten`: bytes moved by pread/pwrite on the store
 *   files (the journal's own reads not included);
 * - `fileCopies`, `bytesCopied`: transaction starts' whole-file copies and
 *   the file sizes they copied;
 * - `renames`: commits' renames of a copy over the live file;
 * - `fileOpens`: files opened (a store's files at open, each copy);
 * - `lockAcquisitions`: exclusive file locks taken (one per operation);
 * - `fsyncs`: always 0, as in xenstored (no fsync anywhere);
 * - `journalWrites`, `journalBytes`: undo-journal entries written and the
 *   journal bytes they took (header included).
 */
export type TdbWorkCounters = Record<Exclude<TdbCounterName, CommonCounterName>, number>;
