/**
 * The `tdb` engine: the 2009 C xenstored on a TDB-like file (README.md).
 * Public face of engines/tdb/.
 */
import type { EngineOptions } from '../types.ts';
import { TdbEngine } from './engine.ts';

export { TdbEngine, TDB_FILE_NAME, TDB_JOURNAL_NAME, TDB_COPY_PREFIX } from './engine.ts';
export { TDB_COUNTER_NAMES } from './counters.ts';
export type { TdbCounterName, TdbWorkCounters } from './counters.ts';
export { verifyTdbStore } from './check.ts';
export type { StoreSnapshot, SnapshotNode } from './check.ts';

/**
 * Creates a `tdb` engine. `options.dir` holds the database file `tdb`
 * (reopened if it exists, else initialised with `/` owned by dom0, perms
 * `['n0']`); without it a temp dir is used and removed on close.
 */
export function createTdbEngine(options: EngineOptions): TdbEngine {
  return new TdbEngine(options);
}
