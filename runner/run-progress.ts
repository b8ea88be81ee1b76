/**
 * How far a running scenario has got, for progress bars: the same for every
 * driver. A run that records `guestStarted` events (paper-7.3 starts its
 * guests one after another and ends when all are started) is as far along as
 * the larger of its elapsed time and its started guests; any other run, as
 * its elapsed time.
 */

/** What a driver knows of a running run. */
export interface RunProgressInput {
  /** Time since the actors started (driver ms: wall-clock or simulated). */
  readonly elapsedMs: number;
  readonly durationMs: number;
  readonly guests: number;
  readonly commits: number;
  readonly eagain: number;
  /** Count of each recorded scenario event so far. */
  readonly events: Readonly<Record<string, number>>;
}

/** The fraction done (0..1) and a note such as `12.0 s, 3051 commits, 17 eagain, 40/160 started`. */
export function runProgress(input: RunProgressInput): { fraction: number; note: string } {
  const time = input.durationMs > 0 ? input.elapsedMs / input.durationMs : 1;
  const started = input.events['guestStarted'];
  const byStarts = started !== undefined && input.guests > 0 ? started / input.guests : 0;
  const note = `${(input.elapsedMs / 1000).toFixed(1)} s, ${input.commits} commits, ${input.eagain} eagain${started !== undefined ? `, ${started}/${input.guests} started` : ''}`;
  return { fraction: Math.min(1, Math.max(time, byStarts)), note };
}
