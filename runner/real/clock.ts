/**
 * Wall-clock time for the real-time driver, comparable across threads:
 * `performance.now()` has a per-thread origin, so add the thread's
 * `timeOrigin` (epoch ms) to get one time line for the main thread and
 * every worker.
 */
import type { Clock } from '../../protocol/types.ts';

/**
 * Epoch milliseconds with sub-millisecond resolution; `sleep` is a timer.
 * Node's timers cannot wait less than 1 ms, so a shorter sleep (e.g.
 * paper-7.1's think time of tens of µs) yields one event-loop turn instead
 * of stretching into a whole millisecond.
 */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => (ms < 1 ? setImmediate(resolve) : setTimeout(resolve, ms))),
};
