/**
 * Daemon options: quotas and hooks, validated strictly (unknown keys are
 * errors), defaults in one place.
 *
 * Quota errnos follow the real C xenstored of Xen 4.17 (cxenstored), which
 * is what Debian's tools and libxl meet on a stock host; both real daemons
 * exempt the privileged dom0 from the per-connection quotas (measured with
 * ../shared/realxs: 12 transactions and 130 watches on one dom0 socket
 * connection are accepted by both), so xstorm's daemon does the same.
 */
import { z } from 'zod';

/** Defaults of every option (one place). */
export const DAEMON_DEFAULTS = Object.freeze({
  /** Open transactions per unprivileged connection; `ENOSPC` once more than this are open (cxenstored `-t`, default 10; its check is `>`). */
  maxTransactionsPerConnection: 10,
  /** Watches per unprivileged connection; `E2BIG` once more than this exist (cxenstored `-W`, default 100; its check is `>`). */
  maxWatchesPerConnection: 100,
  /**
   * Decoded requests waiting per connection. A host stops reading a
   * connection's input while this many wait (flow control, as cxenstored
   * stops reading a domain past its `outstanding` quota) and reads again
   * once they are served: a client that pipelines is slowed, never dropped.
   */
  maxOutstandingRequests: 1024,
  /**
   * Reply bytes a connection's transport may hold unread before the daemon
   * stops serving that connection's requests (it resumes once the client
   * reads).
   */
  maxReplyBacklogBytes: 256 * 1024,
  /**
   * Hard bound on unread bytes (mostly watch events caused by others) for
   * one connection; past it the connection is closed, so a client that
   * never reads cannot grow the daemon's memory without bound (oxenstored
   * closes on `quota-maxwatchevents`).
   */
  maxBufferedBytes: 4 * 1024 * 1024,
  /** Create `/tool/xenstored` at start, as cxenstored 4.17 does. */
  createToolNodes: true,
});

// `maxOpenTransactions` and `checkWatchPermissions` have no fixed default:
// they depend on the engine (daemon/limits.ts).

/** Serialisable daemon options (the subset a daemon thread accepts). */
export const daemonOptionsSchema = z
  .object({
    maxTransactionsPerConnection: z.number().int().min(1).optional(),
    maxWatchesPerConnection: z.number().int().min(0).optional(),
    maxOutstandingRequests: z.number().int().min(1).optional(),
    maxReplyBacklogBytes: z.number().int().min(1).optional(),
    maxBufferedBytes: z.number().int().min(1).optional(),
    createToolNodes: z.boolean().optional(),
    /**
     * Transactions open at once in the whole daemon, every connection
     * counted (dom0 too); `ENOSPC` past it. Default: unlimited, except for
     * engines whose transactions each hold a file descriptor (`tdb`): half
     * the process's soft descriptor limit, at most 4096.
     */
    maxOpenTransactions: z.number().int().min(1).optional(),
    /**
     * Send a watch event to an unprivileged connection only when its domain
     * may read the changed node (XSA-115). Default: what the engine's
     * modelled daemon does (daemon/limits.ts: the 4.17 models check, the
     * 2009 models do not).
     */
    checkWatchPermissions: z.boolean().optional(),
  })
  .strict();

/** Serialisable options (postMessage-able). */
export type SerializableDaemonOptions = z.infer<typeof daemonOptionsSchema>;

/** A log line's level. */
export type LogLevel = 'info' | 'warn' | 'error';

/** Options of {@link Daemon}. */
export interface DaemonOptions extends SerializableDaemonOptions {
  /** Receives log lines (default: none). */
  readonly log?: (level: LogLevel, message: string) => void;
}

/** Options with every default applied. */
export type ResolvedDaemonOptions = Required<Omit<SerializableDaemonOptions, 'maxOpenTransactions' | 'checkWatchPermissions'>> & {
  readonly maxOpenTransactions: number | undefined;
  readonly checkWatchPermissions: boolean | undefined;
  readonly log: ((level: LogLevel, message: string) => void) | undefined;
};

/**
 * Validates options and applies defaults. Throws one `Error` listing every
 * problem.
 */
export function resolveDaemonOptions(options: DaemonOptions = {}): ResolvedDaemonOptions {
  const { log, ...rest } = options;
  const parsed = daemonOptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
    throw new Error(`invalid daemon options: ${lines.join('; ')}`);
  }
  return { ...DAEMON_DEFAULTS, maxOpenTransactions: undefined, checkWatchPermissions: undefined, ...parsed.data, log };
}
