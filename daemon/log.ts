/**
 * Bounded logging: a flood of broken connections (a fuzzer, a crashing
 * client pool) must not turn into one log line each. Lines are grouped by
 * kind; each kind may log `burst` lines per window of the daemon's clock
 * (the time its host last gave {@link Daemon.tick}); the rest are counted,
 * and the next line that gets through says how many were left out. Every
 * line, logged or not, is counted in the daemon's stats.
 */
import type { LogLevel } from './options.ts';

/** The kinds of line the daemon logs (one budget each). */
export type LogKind = 'connection-dropped' | 'internal-error' | 'control';

/** Lines per kind and window that get through. */
export const LOG_BURST = 10;
/** Window of the budget, ms of the daemon's clock. */
export const LOG_WINDOW_MS = 10_000;

interface Budget {
  windowStart: number;
  used: number;
  suppressed: number;
}

/** A rate-limited front for the daemon's `log` option. */
export class DaemonLog {
  readonly #sink: ((level: LogLevel, message: string) => void) | undefined;
  readonly #budgets = new Map<LogKind, Budget>();
  /** Lines left out so far (all kinds). */
  suppressed = 0;

  constructor(sink: ((level: LogLevel, message: string) => void) | undefined) {
    this.#sink = sink;
  }

  /** Logs a line of `kind` at clock time `nowMs` unless its budget is spent. */
  write(kind: LogKind, level: LogLevel, nowMs: number, message: string): void {
    const sink = this.#sink;
    let b = this.#budgets.get(kind);
    if (b === undefined) {
      b = { windowStart: nowMs, used: 0, suppressed: 0 };
      this.#budgets.set(kind, b);
    } else if (nowMs - b.windowStart >= LOG_WINDOW_MS) {
      b.windowStart = nowMs;
      b.used = 0;
    }
    if (b.used >= LOG_BURST) {
      b.suppressed++;
      this.suppressed++;
      return;
    }
    b.used++;
    if (sink === undefined) return;
    if (b.suppressed > 0) {
      sink(level, `${message} (${b.suppressed} more like this were not logged)`);
      b.suppressed = 0;
    } else {
      sink(level, message);
    }
  }

  /** Logs the count of lines still held back (at shutdown). */
  flush(): void {
    const sink = this.#sink;
    for (const [kind, b] of this.#budgets) {
      if (b.suppressed > 0) sink?.('warn', `${b.suppressed} more ${kind} lines were not logged`);
      b.suppressed = 0;
    }
  }
}
