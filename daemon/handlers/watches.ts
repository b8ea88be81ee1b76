/**
 * WATCH, UNWATCH and RESET_WATCHES. A WATCH answers OK, then the watch's
 * initial event (sent whatever the caller may read, as cxenstored 4.17
 * does); duplicates are `EEXIST`, an unknown UNWATCH `ENOENT`.
 */
import { XsError } from '../../engines/common/errors.ts';
import { okPayload } from '../../protocol/codec.ts';
import type { XsMessage } from '../../protocol/types.ts';
import { strings } from '../args.ts';
import type { Connection } from '../connection.ts';
import type { DaemonCore } from '../core.ts';
import { abortAllTransactions } from './transactions.ts';

export function handleWatch(core: DaemonCore, c: Connection, msg: XsMessage): null {
  const [raw, token] = strings(msg.payload, 2) as [string, string];
  const { path, prefix } = core.watchPath(c, raw);
  for (const w of c.watches) {
    if (w.path === path && w.token === token) throw new XsError('EEXIST', 'watch already registered');
  }
  const max = core.options.maxWatchesPerConnection;
  // cxenstored 4.17 (disassembled): `domain_watch(conn) > quota` → E2BIG, so quota + 1 fit.
  if (c.domid !== 0 && c.watches.length > max) throw new XsError('E2BIG', `more than ${max} watches`);
  c.watches.push(core.watches.add(c, path, token, prefix));
  return null;
}

export function handleUnwatch(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  const [raw, token] = strings(msg.payload, 2) as [string, string];
  // Both real daemons look an UNWATCH up without checking the path (a path
  // no WATCH would accept is simply not found).
  const path = raw.charCodeAt(0) === 64 || raw.charCodeAt(0) === 47 ? raw : c.home + raw;
  const i = c.watches.findIndex((w) => w.path === path && w.token === token);
  if (i < 0) throw new XsError('ENOENT', 'no such watch');
  core.watches.remove(c.watches[i]!);
  c.watches.splice(i, 1);
  return okPayload;
}

/** cxenstored 4.17 drops the connection's watches and transactions. */
export function handleResetWatches(core: DaemonCore, c: Connection): Uint8Array {
  dropAllWatches(core, c);
  abortAllTransactions(core, c);
  return okPayload;
}

/** Unregisters every watch of `c`. */
export function dropAllWatches(core: DaemonCore, c: Connection): void {
  for (const w of c.watches) core.watches.remove(w);
  c.watches.length = 0;
}
