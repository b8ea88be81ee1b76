/**
 * The daemon's time-based policy: oxenstored's conflict-credit refills
 * (engines that model them expose `engine.throttle`). Hosts never keep a
 * timer of their own for it; they call {@link Daemon.tick} with their clock
 * (wall-clock for the real hosts, the discrete-event clock for the
 * simulated one) and wake it again at {@link Daemon.nextTickMs}.
 *
 * The schedule, in one place:
 * - one refill per period (`throttle.refillSeconds`) on a grid that starts
 *   at the first tick and restarts when the first domain gets paused
 *   (oxenstored restarts its countdown then: the next refill comes a full
 *   period later);
 * - the grid keeps going while the host keeps ticking between refills (it
 *   does so when clients send requests) or some domain is paused; once a
 *   period passes with neither, refills stop, and the next tick restarts
 *   them in phase with the grid. Idle periods therefore refill nothing (a
 *   real daemon sleeping in its loop sees none of them either), and a
 *   simulated run with nothing left to do can end.
 */
import type { ConflictThrottle } from '../engines/types.ts';

/**
 * A tick this close before a refill counts as at it: a host that schedules
 * its wake-up at `nextTickMs` on a clock that adds delays to its current
 * time may land a rounding error early.
 */
const DUE_SLACK_MS = 1e-6;

/** The refill schedule of one throttle (see the module comment). */
export class CreditRefills {
  readonly #throttle: ConflictThrottle;
  readonly #periodMs: number;
  /** Grid origin; `undefined` until the first tick. */
  #origin: number | undefined;
  /** The next refill, or `undefined` while stopped. */
  #due: number | undefined;
  /** The host ticked between the last refill and now. */
  #active = false;
  /** The first domain got paused: the grid restarts at the next tick. */
  #restart = false;

  constructor(throttle: ConflictThrottle) {
    this.#throttle = throttle;
    this.#periodMs = throttle.refillSeconds * 1000;
    throttle.onFirstPause(() => (this.#restart = true));
  }

  /**
   * When the host must tick next: the next refill, `-Infinity` when a
   * restart waits for the current time (tick at once), `undefined` while
   * stopped (tick again when clients send).
   */
  get nextTickMs(): number | undefined {
    return this.#restart ? Number.NEGATIVE_INFINITY : this.#due;
  }

  /** The host's clock reads `nowMs`. Returns true when it refilled (paused domains may have work now). */
  tick(nowMs: number): boolean {
    if (this.#restart || this.#origin === undefined) {
      // First tick, or the first domain got paused: a new grid from now.
      this.#restart = false;
      this.#origin = nowMs;
      this.#due = nowMs + this.#periodMs;
      return false;
    }
    if (this.#due === undefined) {
      // Stopped: clients are sending again; resume in phase.
      this.#active = true;
      this.#due = this.#gridAfter(nowMs);
      return false;
    }
    if (nowMs < this.#due - DUE_SLACK_MS) {
      this.#active = true;
      return false;
    }
    const throttle = this.#throttle;
    throttle.refill();
    this.#due = throttle.hasPaused() || this.#active ? this.#gridAfter(nowMs) : undefined;
    this.#active = false;
    return true;
  }

  /** The first grid point after `t`. */
  #gridAfter(t: number): number {
    const origin = this.#origin!;
    return origin + (Math.floor((t - origin) / this.#periodMs) + 1) * this.#periodMs;
  }
}
