/**
 * TRANSACTION_START and TRANSACTION_END. Transaction ids are per
 * connection, from 1. A commit's events come from the paths the engine
 * says it changed; a removal inside the transaction also fires the
 * watches below the removed node (after the others, as cxenstored does).
 */
import * as errors from '../../engines/common/errors.ts';
import { isPathWithin } from '../../engines/common/paths.ts';
import * as codec from '../../protocol/codec.ts';
import type { XsMessage } from '../../protocol/types.ts';
import * as args from '../args.ts';
import type { Connection, TxState } from '../connection.ts';
import type { DaemonCore } from '../core.ts';

// tsx compiles each use of an imported binding into a getter call: the hot
// path reads these module constants instead.
const { XsError, isXsError } = errors;
const { encodeStrings, okPayload } = codec;
const { oneString } = args;

/** True when `path` lies strictly below one of `roots`. */
function isBelowAny(path: string, roots: ReadonlySet<string>): boolean {
  for (const r of roots) if (path !== r && isPathWithin(path, r)) return true;
  return false;
}

export function handleTransactionStart(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  if (msg.txId !== 0) throw new XsError('EBUSY', 'already in a transaction');
  const max = core.options.maxTransactionsPerConnection;
  // cxenstored 4.17 (disassembled): `transaction_started > quota` → ENOSPC, so quota + 1 fit.
  if (c.domid !== 0 && c.txs.size > max) throw new XsError('ENOSPC', `more than ${max} open transactions`);
  // The daemon-wide cap (engines whose transactions hold a file descriptor):
  // ENOSPC like cxenstored at its quota, instead of running out of descriptors.
  if (core.openTransactions >= core.maxOpenTransactions) {
    throw new XsError('ENOSPC', `${core.maxOpenTransactions} transactions open in the daemon (maxOpenTransactions)`);
  }
  const engineTx = core.engine.txStart(c.domid);
  core.openTransactions++;
  let id = c.nextTx;
  while (id === 0 || c.txs.has(id)) id = (id + 1) >>> 0;
  c.nextTx = (id + 1) >>> 0;
  c.txs.set(id, { engineTx, removed: undefined, oldPerms: undefined });
  return encodeStrings(String(id));
}

export function handleTransactionEnd(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  const arg = oneString(msg.payload);
  if (arg !== 'T' && arg !== 'F') throw new XsError('EINVAL', 'TRANSACTION_END takes T or F');
  const tx = c.txs.get(msg.txId);
  if (tx === undefined) throw new XsError('ENOENT', `no transaction ${msg.txId}`);
  c.txs.delete(msg.txId);
  core.openTransactions--;
  const stats = core.stats;
  if (arg === 'F') {
    stats.aborts++;
    core.engine.txEnd(c.domid, tx.engineTx, false);
    return okPayload;
  }
  let paths: string[];
  try {
    paths = core.engine.txEnd(c.domid, tx.engineTx, true);
  } catch (e) {
    if (isXsError(e, 'EAGAIN')) stats.conflicts++;
    throw e;
  }
  stats.commits++;
  recordCommit(core, tx, paths);
  return okPayload;
}

/** The committed transaction's changes, for the watches. */
function recordCommit(core: DaemonCore, tx: TxState, paths: readonly string[]): void {
  const removed = tx.removed;
  const oldPerms = tx.oldPerms;
  for (const path of paths) {
    if (removed === undefined) core.changed(path, undefined, oldPerms);
    else if (removed.has(path)) core.changed(path, 'commit', oldPerms);
    // A node below a removed one is covered by the removal's event
    // (both real daemons fire one event per watch for a removed subtree).
    else if (!isBelowAny(path, removed)) core.changed(path, undefined, oldPerms);
  }
}

/** Aborts every transaction of `c` (RESET_WATCHES, a closing connection). */
export function abortAllTransactions(core: DaemonCore, c: Connection): void {
  for (const tx of c.txs.values()) {
    try {
      core.engine.txEnd(c.domid, tx.engineTx, false);
    } catch {
      // Already gone in the engine: nothing to undo.
    }
    core.stats.aborts++;
    core.openTransactions--;
  }
  c.txs.clear();
}
