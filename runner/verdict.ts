/**
 * Verdicts on a run, as pure functions of its figures (DESIGN.md, runner/):
 * an actor class is **livelocked** when it keeps attempting transactions but
 * commits fewer than 1% of its attempts over the last half of the run; a
 * run is **sustained** when its scenario's SLO holds.
 */
import type { ClassBucket } from './metrics.ts';
import type { Scenario, ParamValue, SloInput } from '../scenarios/types.ts';

/** Thresholds of the livelock verdict (defaults in {@link LIVELOCK_DEFAULTS}). */
export interface LivelockOptions {
  /** A class is livelocked when commits < `commitFraction` × attempts. */
  readonly commitFraction: number;
  /**
   * Fewest commit attempts in the last half for "keeps attempting": a class
   * that barely tries (or has stopped) is idle, not livelocked.
   */
  readonly minAttempts: number;
}

/** The defaults: < 1% of at least 10 attempts. */
export const LIVELOCK_DEFAULTS: LivelockOptions = { commitFraction: 0.01, minAttempts: 10 };

/** Attempts and commits of one class over the judged window. */
export interface ClassWindow {
  readonly actorClass: string;
  readonly attempts: number;
  readonly commits: number;
  readonly livelocked: boolean;
}

/** Outcome of {@link livelockVerdict}. */
export interface LivelockVerdict {
  readonly livelocked: boolean;
  /** Livelocked classes, sorted. */
  readonly classes: string[];
  /** Every class's last-half figures, sorted by class. */
  readonly windows: ClassWindow[];
}

/**
 * Judges the last half of a run of `durationMs` from per-class time buckets
 * of width `bucketMs` (bucket i covers [i·bucketMs, (i+1)·bucketMs) since
 * the start). The last half is every bucket that starts at or after
 * durationMs / 2.
 */
export function livelockVerdict(
  classBuckets: Readonly<Record<string, Readonly<Record<number, ClassBucket>>>>,
  durationMs: number,
  bucketMs: number,
  options: LivelockOptions = LIVELOCK_DEFAULTS,
): LivelockVerdict {
  const halfMs = durationMs / 2;
  const windows: ClassWindow[] = [];
  for (const actorClass of Object.keys(classBuckets).sort()) {
    let attempts = 0;
    let commits = 0;
    for (const [index, bucket] of Object.entries(classBuckets[actorClass]!)) {
      if (Number(index) * bucketMs < halfMs) continue;
      attempts += bucket.attempts;
      commits += bucket.commits;
    }
    const livelocked = attempts >= options.minAttempts && commits < options.commitFraction * attempts;
    windows.push({ actorClass, attempts, commits, livelocked });
  }
  const classes = windows.filter((w) => w.livelocked).map((w) => w.actorClass);
  return { livelocked: classes.length > 0, classes, windows };
}

/** Outcome of {@link sustainedVerdict}: the RunResult `slo` field plus `sustained`. */
export interface SustainedVerdict {
  readonly sustained: boolean;
  readonly slo: { description: string; ok: boolean; detail: string };
}

/** Sustained = the scenario's SLO holds on the run's figures. */
export function sustainedVerdict<P extends Record<string, ParamValue>>(
  scenario: Scenario<P>,
  params: P,
  input: SloInput,
): SustainedVerdict {
  const { ok, detail } = scenario.evaluate(input, params);
  return { sustained: ok, slo: { description: scenario.slo, ok, detail } };
}
