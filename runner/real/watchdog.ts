/**
 * The real-time driver's watchdog: every 250 ms it checks that every
 * measuring worker still sends heartbeats and that the daemon thread still
 * answers a stats request, and reports the culprit by name within seconds
 * instead of letting a run hang.
 */
import type { DaemonThread } from '../../daemon/thread.ts';
import { RunFailedError } from './pool.ts';
import type { WorkerPool } from './pool.ts';

/** Options of {@link startWatchdog}. */
export interface WatchdogOptions {
  readonly pool: WorkerPool;
  readonly daemon: DaemonThread | undefined;
  /** A worker with no heartbeat for this long is hung (ms). */
  readonly heartbeatTimeoutMs: number;
  /** A daemon thread that does not answer for this long is hung (ms). */
  readonly daemonTimeoutMs: number;
  readonly now: () => number;
  readonly onFailure: (error: Error) => void;
  /** Check interval (ms, default 250). */
  readonly intervalMs?: number;
}

/** Starts watching; returns the function that stops it. */
export function startWatchdog(options: WatchdogOptions): () => void {
  const { pool, daemon } = options;
  let statsAskedAt: number | undefined;
  const timer = setInterval(() => {
    const now = options.now();
    const hung = pool.hungWorker(now, options.heartbeatTimeoutMs);
    if (hung) options.onFailure(hung);
    if (!daemon) return;
    if (statsAskedAt !== undefined) {
      if (now - statsAskedAt > options.daemonTimeoutMs) {
        options.onFailure(new RunFailedError(`daemon thread (engine ${daemon.engine}) hung: no answer for ${((now - statsAskedAt) / 1000).toFixed(1)} s`));
      }
      return;
    }
    statsAskedAt = now;
    daemon.stats().then(
      () => (statsAskedAt = undefined),
      (e: Error) => options.onFailure(new RunFailedError(`daemon thread (engine ${daemon.engine}) failed: ${e.message}`, { cause: e })),
    );
  }, options.intervalMs ?? 250);
  return () => clearInterval(timer);
}
