/**
 * The shape of a request handler: one function per request type, grouped
 * in one module per family (nodes, transactions, watches, domains,
 * control) and looked up by type in daemon/handlers/index.ts.
 */
import type { XsMessage } from '../../protocol/types.ts';
import type { Connection } from '../connection.ts';
import type { DaemonCore } from '../core.ts';

/**
 * Serves one request of connection `c`: returns the reply payload, or
 * `null` for a WATCH (its OK goes out first, then the watch's initial
 * event). Throws `XsError` for an error reply; changes it makes are
 * recorded with `core.changed` and fire watches after the reply.
 */
export type Handler = (core: DaemonCore, c: Connection, msg: XsMessage) => Uint8Array | null;
