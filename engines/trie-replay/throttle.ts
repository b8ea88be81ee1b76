/**
 * oxenstored's conflict-credit throttling of guest domains (Xen 4.17
 * `domain.ml`, `domains.ml`, `history.ml`, `xenstored.ml`), in the default
 * "aggregate" mode of Debian's oxenstored.conf (`conflict-burst-limit = 5.0`,
 * `conflict-max-history-seconds = 0.05`, `conflict-rate-limit-is-aggregate =
 * true`):
 * - each guest domain starts with 5 points of credit; dom0 (and socket
 *   connections) are never charged;
 * - when a transaction fails its replay, every other domain whose commit
 *   since the transaction's start turned "its requests would replay" into
 *   "they would not" loses one point (floor -1);
 * - a domain with credit <= 0 is paused: the daemon reads none of its
 *   requests until it has credit again;
 * - every 0.05 s, ONE domain gets one point back: the first of the queue of
 *   paused domains, or else the first of the queue of penalised ones.
 *
 * The engine has no clock: the daemon (or the simulated driver) calls
 * {@link ConflictThrottle.refill} every {@link CONFLICT_REFILL_SECONDS}, and
 * checks {@link ConflictThrottle.isPaused} before serving a domain.
 */

/** Debian's `conflict-burst-limit`: the credit a domain starts with and the cap. */
export const CONFLICT_BURST_LIMIT = 5;
/** Debian's `conflict-max-history-seconds`: the refill (and history) period. */
export const CONFLICT_REFILL_SECONDS = 0.05;

export type { ConflictThrottle } from '../types.ts';
import type { ConflictThrottle } from '../types.ts';

/** Counters of the throttle, merged into the engine's counters. */
export interface ThrottleCounters {
  conflictsBlamed: number;
  domainPauses: number;
  creditRefills: number;
}

/** Per-domain credit and the two queues of oxenstored's aggregate mode. */
export class CreditLedger implements ConflictThrottle {
  readonly burstLimit = CONFLICT_BURST_LIMIT;
  readonly refillSeconds = CONFLICT_REFILL_SECONDS;
  readonly #credit = new Map<number, number>();
  readonly #pausedQueue: number[] = [];
  readonly #penaltyQueue: number[] = [];
  readonly #counters: ThrottleCounters;
  readonly #onRefill: () => void;
  #listener: (() => void) | null = null;

  /** `onRefill` runs first at every refill (the engine trims its history there). */
  constructor(counters: ThrottleCounters, onRefill: () => void) {
    this.#counters = counters;
    this.#onRefill = onRefill;
  }

  credit(domid: number): number {
    return this.#credit.get(domid) ?? this.burstLimit;
  }

  isPaused(domid: number): boolean {
    return this.credit(domid) <= 0;
  }

  pausedDomains(): number[] {
    return [...this.#credit].filter(([, c]) => c <= 0).map(([d]) => d).sort((a, b) => a - b);
  }

  hasPaused(): boolean {
    return this.#pausedQueue.length > 0;
  }

  onFirstPause(listener: (() => void) | null): void {
    this.#listener = listener;
  }

  /** Charges `domid` one point for a conflict it caused (`decr_conflict_credit`). */
  charge(domid: number): void {
    if (domid === 0) return;
    this.#counters.conflictsBlamed++;
    const before = this.credit(domid);
    const after = Math.max(-1, before - 1);
    this.#credit.set(domid, after);
    const newlyPenalised = before >= this.burstLimit && after < this.burstLimit;
    const newlyPaused = before > 0 && after <= 0;
    if (newlyPenalised && after > 0) {
      this.#penaltyQueue.push(domid);
    } else if (newlyPaused) {
      this.#counters.domainPauses++;
      const first = this.#pausedQueue.length === 0;
      this.#pausedQueue.push(domid);
      if (first && this.#listener) this.#listener();
    }
  }

  refill(): void {
    this.#onRefill();
    this.#counters.creditRefills++;
    // incr_conflict_credit_from_queue: the paused queue first, else the penalty queue.
    if (this.#pausedQueue.length > 0) this.#give(this.#pausedQueue, (c) => c <= 0);
    else if (this.#penaltyQueue.length > 0) this.#give(this.#penaltyQueue, (c) => c < this.burstLimit);
  }

  #give(queue: number[], requeue: (credit: number) => boolean): void {
    const domid = queue.shift()!;
    const credit = Math.min(this.credit(domid) + 1, this.burstLimit);
    this.#credit.set(domid, credit);
    if (requeue(credit)) queue.push(domid);
  }
}
