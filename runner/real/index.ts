/** Public face of runner/real/: the real-time (worker_threads, wall-clock) driver. */
export { createRealDriver, REAL_DRIVER_DEFAULTS, RunFailedError, RunStoppedError } from './driver.ts';
export type { RealDriverOptions } from './driver.ts';
export { realClock } from './clock.ts';
