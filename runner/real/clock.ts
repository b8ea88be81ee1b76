/**
 * Wall-clock time for the real-time driver, comparable across threads:
 * `performance.now()` has a per-thread origin, so add the thread's
 * `timeOrigin` (epoch ms) to get one time line for the main thread and
 * every worker.
 */
import type { Clock } from '../../protocol/types.ts';

/** Epoch milliseconds with sub-millisecond resolution; `sleep` is a timer. */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
