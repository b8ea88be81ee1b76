/**
 * A seeded discrete-event clock: time advances only when the event queue
 * says so, never from the wall clock. Events are ordered by (time, seq) so
 * two events at the same instant fire in the order they were scheduled, which
 * makes every run a pure function of its inputs.
 *
 * Promise continuations (the actor programs are async) run between event
 * batches: after firing the events of one instant that may have resolved
 * promises, the loop lets the whole microtask queue drain before it looks
 * at the queue again. It queues a microtask that asks for a
 * `process.nextTick` callback and goes on from there: a tick asked for while
 * V8 runs microtasks runs only once the microtask queue is empty, so every
 * continuation (and every continuation those queue) has run by then. (A
 * tick asked for directly could run first: when a host callback returns
 * with ticks and microtasks both pending, Node runs the ticks first; the
 * bench's workers start runs from such a callback.) This costs a third of
 * a macrotask turn (`setImmediate`: a libuv loop iteration with an epoll
 * call), and a run has hundreds of thousands of drains. Every
 * {@link MACROTASK_EVERY} drains the loop yields a real macrotask turn, so
 * that signals, timers and progress output are not starved. Simulated code
 * uses neither ticks nor timers, so both kinds of drain give the same run.
 */
import type { Clock } from '../../protocol/types.ts';

/** A callback fired at a simulated instant. */
export type SimEventHandler = () => void;

interface SimEvent {
  readonly t: number;
  readonly seq: number;
  readonly fn: (arg: unknown) => void;
  /** Passed to `fn` (see {@link SimClock.scheduleCall}). */
  readonly arg: unknown;
  /** True when `fn` may resolve promises (so continuations must run before time moves on). */
  readonly settles: boolean;
}

/** Binary min-heap on (t, seq). Hand-written because it is the simulator's hot path. */
class EventHeap {
  readonly #items: SimEvent[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): SimEvent | undefined {
    return this.#items[0];
  }

  push(event: SimEvent): void {
    const items = this.#items;
    let i = items.length;
    items.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p.t < event.t || (p.t === event.t && p.seq < event.seq)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = event;
  }

  pop(): SimEvent | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    const n = items.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let c = items[left]!;
      if (right < n) {
        const r = items[right]!;
        if (r.t < c.t || (r.t === c.t && r.seq < c.seq)) {
          child = right;
          c = r;
        }
      }
      if (last.t < c.t || (last.t === c.t && last.seq < c.seq)) break;
      items[i] = c;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

/** Drains between which the loop yields a whole macrotask turn (see the module comment). */
const MACROTASK_EVERY = 1024;


/** Why {@link SimClock.run} returned. */
export type SimRunEnd = 'until' | 'stopped' | 'idle';

/**
 * The discrete-event clock. Implements {@link Clock} for actor programs
 * (`now`, `sleep`) and exposes `schedule` for the simulated transport and
 * daemon. Time is in milliseconds.
 */
export class SimClock implements Clock {
  #now = 0;
  #seq = 0;
  #events = 0;
  #drains = 0;
  readonly #heap = new EventHeap();



  /** Current simulated time (ms). */
  now(): number {
    return this.#now;
  }

  /** Events fired so far (for progress and profiling). */
  get eventsFired(): number {
    return this.#events;
  }

  /** Events waiting in the queue. */
  get pending(): number {
    return this.#heap.size;
  }

  /** Resolves after `ms` of simulated time (negative or NaN counts as 0). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(ms, resolve, true));
  }

  /**
   * Fires `fn` after `delayMs` of simulated time. `settles` says whether `fn`
   * may resolve promises; events that only schedule other events skip the
   * microtask turn, which keeps the simulator fast.
   */
  schedule(delayMs: number, fn: SimEventHandler, settles = false): void {
    const delay = delayMs > 0 ? delayMs : 0;
    this.#heap.push({ t: this.#now + delay, seq: this.#seq++, fn, arg: undefined, settles });
  }

  /**
   * {@link SimClock.schedule} of `fn(arg)`: a host can schedule one bound
   * function for many events instead of a fresh closure per event (the
   * simulated server schedules three events per request).
   */
  scheduleCall<A>(delayMs: number, fn: (arg: A) => void, arg: A, settles = false): void {
    const delay = delayMs > 0 ? delayMs : 0;
    this.#heap.push({ t: this.#now + delay, seq: this.#seq++, fn: fn as (arg: unknown) => void, arg, settles });
  }

  /**
   * Runs events in (time, seq) order until the next event lies beyond
   * `untilMs`, `shouldStop()` turns true (checked after each instant), or
   * the queue is empty. The clock is left at the last instant fired, or at
   * `untilMs` when the run reached it.
   */
  run(untilMs: number, shouldStop: () => boolean = () => false, onInstant?: (now: number) => void): Promise<SimRunEnd> {
    // A loop that suspends itself with callbacks rather than `await`: a drain
    // then costs a queued microtask and a tick, not a promise, its resolving
    // functions and an async resumption (about a third of the allocations
    // of a drain, and a run has one per delivered reply).
    return new Promise<SimRunEnd>((resolve, reject) => {
      const heap = this.#heap;
      /** The instant whose continuations a drain let run (NaN: not after a drain). */
      let drained = NaN;
      let idleCheck = false;
      const step = (): void => {
        try {
          if (idleCheck) {
            idleCheck = false;
            if (heap.size === 0) return resolve('idle');
          } else if (!Number.isNaN(drained)) {
            const t = drained;
            drained = NaN;
            onInstant?.(t);
            if (shouldStop()) return resolve('stopped');
          }
          for (;;) {
            const next = heap.peek();
            if (next === undefined) {
              idleCheck = true;
              setImmediate(step);
              return;
            }
            if (next.t > untilMs) {
              this.#now = Math.max(this.#now, untilMs);
              return resolve('until');
            }
            const t = next.t;
            this.#now = t;
            let settles = false;
            while (heap.size > 0 && heap.peek()!.t === t) {
              const event = heap.pop()!;
              this.#events++;
              if (event.settles) settles = true;
              event.fn(event.arg);
            }
            if (settles) {
              drained = t;
              if (++this.#drains % MACROTASK_EVERY === 0) setImmediate(step);
              else queueMicrotask(askTick);
              return;
            }
            onInstant?.(t);
            if (shouldStop()) return resolve('stopped');
          }
        } catch (error) {
          reject(error);
        }
      };
      // See the module comment: a tick asked for from a microtask runs once the queue is empty.
      const askTick = (): void => {
        process.nextTick(step);
      };
      step();
    });
  }
}
