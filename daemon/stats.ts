/**
 * What the daemon counts: plain numbers, cheap to bump on the hot path,
 * copied into a fresh serialisable object by {@link Daemon.stats}.
 */
import { xsTypeName } from '../protocol/codec.ts';

/** A snapshot of a daemon's counters (serialisable). */
export interface DaemonStats {
  /** Requests served (one per `processNext` that served one). */
  readonly requests: number;
  /** Error replies sent, total. */
  readonly errors: number;
  /** Error replies by errno name. */
  readonly errorsByErrno: Readonly<Record<string, number>>;
  /** WATCH_EVENT messages sent (including initial events). */
  readonly watchEvents: number;
  /** Connections open now. */
  readonly connections: number;
  /** Connections ever accepted. */
  readonly connectionsTotal: number;
  /** Connections the daemon closed itself (oversize frame, flooding, unread backlog). */
  readonly connectionsDropped: number;
  /** Requests by type name (`READ`, `WRITE`, `UNKNOWN(99)`, ...). */
  readonly requestsByType: Readonly<Record<string, number>>;
  /** Transactions committed / refused with EAGAIN / aborted by the client or by a closing connection. */
  readonly commits: number;
  readonly conflicts: number;
  readonly aborts: number;
  /** Watches registered now. */
  readonly watches: number;
  /** Engine failures that were not `XsError`s (answered `EIO`; a bug in an engine). */
  readonly internalErrors: number;
  /** Watch events not sent because the watching domain may not read the node (XSA-115). */
  readonly watchEventsFiltered: number;
  /** Transactions open now (all connections). */
  readonly openTransactions: number;
  /** Log lines left out by the rate limit (daemon/log.ts). */
  readonly logLinesSuppressed: number;
}

/** Mutable counters behind {@link DaemonStats}. */
export class StatsCounters {
  requests = 0;
  errors = 0;
  watchEvents = 0;
  connections = 0;
  connectionsTotal = 0;
  connectionsDropped = 0;
  commits = 0;
  conflicts = 0;
  aborts = 0;
  internalErrors = 0;
  watchEventsFiltered = 0;
  /** Indexed by type number (0..31); others in `#otherTypes`. */
  readonly #byType = new Float64Array(32);
  readonly #otherTypes = new Map<number, number>();
  readonly #errnos = new Map<string, number>();

  countType(type: number): void {
    if (type >= 0 && type < 32) this.#byType[type]!++;
    else this.#otherTypes.set(type, (this.#otherTypes.get(type) ?? 0) + 1);
  }

  countError(errno: string): void {
    this.errors++;
    this.#errnos.set(errno, (this.#errnos.get(errno) ?? 0) + 1);
  }

  snapshot(watches: number, openTransactions: number, logLinesSuppressed: number): DaemonStats {
    const requestsByType: Record<string, number> = {};
    for (let t = 0; t < 32; t++) if (this.#byType[t]! > 0) requestsByType[xsTypeName(t)] = this.#byType[t]!;
    for (const [t, n] of this.#otherTypes) requestsByType[xsTypeName(t)] = n;
    return {
      requests: this.requests,
      errors: this.errors,
      errorsByErrno: Object.fromEntries(this.#errnos),
      watchEvents: this.watchEvents,
      connections: this.connections,
      connectionsTotal: this.connectionsTotal,
      connectionsDropped: this.connectionsDropped,
      requestsByType,
      commits: this.commits,
      conflicts: this.conflicts,
      aborts: this.aborts,
      watches,
      internalErrors: this.internalErrors,
      watchEventsFiltered: this.watchEventsFiltered,
      openTransactions,
      logLinesSuppressed,
    };
  }
}
