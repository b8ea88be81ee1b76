/**
 * Think time of a client process: the delay between a daemon's reply and
 * the client's next request, drawn from a measured distribution.
 *
 * `npm run bench:think` (bench/think.ts) measured it on this kind of
 * machine with 128 client processes against a saturated single-threaded
 * daemon that spends 357 µs per request (the fitted 2009 request cost):
 * mostly the scheduler's wake-up of the client, with a long tail when the
 * client waits for a CPU. The shape is the measured quantile table; a run
 * scales it so that its median is the scenario's `thinkUs`.
 */

/**
 * Measured think-time quantiles (probability, µs): the median of 3 runs of
 * `npm run bench:think` (2-vCPU VM, load average 1.6; 13,400–13,600
 * requests per 5 s run). Probability 1 is the largest value observed. The
 * body is the scheduler's wake-up of a client (20–60 µs; the client's own
 * CPU is 0.2 µs); the tail (p99 117–1,117 µs across the runs, p99.9 4.5
 * ms) is a client waiting for a CPU.
 */
export const THINK_QUANTILES_US: readonly (readonly [number, number])[] = [
  [0.01, 20.75], [0.05, 29.34], [0.1, 29.34], [0.25, 29.34], [0.5, 34.9], [0.75, 41.5], [0.9, 49.35], [0.95, 58.69], [0.99, 394.81], [0.999, 4466.72], [1, 4938.6],
];

/** Median of {@link THINK_QUANTILES_US} (µs): the default `thinkUs` of the scenarios that use it. */
export const MEASURED_THINK_MEDIAN_US = THINK_QUANTILES_US.find(([q]) => q === 0.5)![1];

/**
 * A think time (µs) with median `medianUs`: the inverse of the measured
 * distribution at a uniform `u` in [0, 1), interpolated log-linearly
 * between the measured quantiles (below the first one: its value).
 */
export function thinkTimeUs(u: number, medianUs: number): number {
  if (medianUs <= 0) return 0;
  const table = THINK_QUANTILES_US;
  const scale = medianUs / MEASURED_THINK_MEDIAN_US;
  if (u <= table[0]![0]) return table[0]![1] * scale;
  for (let i = 1; i < table.length; i++) {
    const [q1, v1] = table[i]!;
    if (u <= q1) {
      const [q0, v0] = table[i - 1]!;
      const t = (u - q0) / (q1 - q0);
      return v0 * (v1 / v0) ** t * scale;
    }
  }
  return table[table.length - 1]![1] * scale;
}
