/**
 * Assembling a {@link RunResult} from what a driver measured: the metric
 * summary, the verdicts and the scenario's SLO. Shared by every driver so
 * they all report the same way.
 */
import type { RunResult } from '../reports/schema.ts';
import { RunResultSchema } from '../reports/schema.ts';
import type { AnyScenario, ParamValue } from '../scenarios/types.ts';
import { summarize } from './metrics.ts';
import type { MetricsSnapshot } from './metrics.ts';
import type { RunPlan, Target } from './types.ts';
import { livelockVerdict, sustainedVerdict } from './verdict.ts';
import { defaultParams } from '../scenarios/params.ts';

/** Label of a target in results (`trie`, `socket:oxenstored`). */
export function targetEngineLabel(target: Target): string {
  return target.kind === 'engine' ? target.engine : `socket:${target.label}`;
}

/** `engine` or `socket:<path>` (RunResult.target). */
export function targetDescription(target: Target): string {
  return target.kind === 'engine' ? 'engine' : `socket:${target.path}`;
}

/**
 * The grid-cell key of a run: scenario, engine label, driver, guests, the
 * parameters that differ from the scenario's defaults, the repetition and,
 * for a simulated run with a named profile, `profile=<name>` (the same cell
 * under two cost profiles is two cells).
 */
export function runKey(plan: RunPlan, scenario: AnyScenario, driver: 'real' | 'sim'): string {
  const defaults = defaultParams(scenario);
  const changed = Object.keys(plan.params)
    .filter((k) => plan.params[k] !== defaults[k])
    .sort()
    .map((k) => `${k}=${plan.params[k]}`);
  const profile = driver === 'sim' && plan.profile ? [`profile=${plan.profile}`] : [];
  return [plan.scenario, targetEngineLabel(plan.target), driver, `g${plan.guests}`, ...changed, `r${plan.rep}`, ...profile].join('/');
}

/** What a driver measured besides the actors' metrics. */
export interface DriverFigures {
  readonly driver: 'real' | 'sim';
  readonly snapshot: MetricsSnapshot;
  /** Measured run length (s). */
  readonly durationS: number;
  readonly engineCounters: Record<string, number>;
  readonly daemon: { cpuMs: number | null; rssBytes: number | null };
  /** Driver-specific figures for `extra` (e.g. dropped iterations). */
  readonly extra?: Record<string, number>;
  /** The run was stopped before its end (its figures cover the time it ran): `status: 'partial'`. */
  readonly partial?: boolean;
}

/** Builds and validates the RunResult of one run. */
export function buildRunResult(plan: RunPlan, scenario: AnyScenario, figures: DriverFigures): RunResult {
  const summary = summarize(figures.snapshot, figures.durationS);
  const verdict = livelockVerdict(figures.snapshot.classBuckets, figures.durationS * 1000, figures.snapshot.bucketMs);
  const params = plan.params as Record<string, ParamValue>;
  const sloInput = {
    guests: plan.guests,
    durationS: figures.durationS,
    commits: summary.commits,
    eagain: summary.eagain,
    goodput: summary.goodput,
    abortRate: summary.abortRate,
    latencyP99Ms: summary.latency.p99,
    livelocked: verdict.livelocked,
    starved: summary.fairness.starved,
    events: summary.events,
  };
  const sustained = sustainedVerdict(scenario, params, sloInput);
  const extra: Record<string, number> = {
    ...figures.snapshot.counters,
    ...(scenario.extra ? scenario.extra(params, plan.guests, sloInput) : {}),
    ...(figures.extra ?? {}),
  };
  for (const [errno, n] of Object.entries(figures.snapshot.errors)) extra[`errors.${errno}`] = n;
  for (const w of verdict.windows) {
    extra[`lastHalfAttempts.${w.actorClass}`] = w.attempts;
    extra[`lastHalfCommits.${w.actorClass}`] = w.commits;
  }
  const { events: _events, ...metrics } = summary;
  const result: RunResult = {
    key: runKey(plan, scenario, figures.driver),
    scenario: plan.scenario,
    engine: targetEngineLabel(plan.target),
    target: targetDescription(plan.target),
    driver: figures.driver,
    profile: figures.driver === 'sim' ? (plan.profile ?? null) : null,
    guests: plan.guests,
    rep: plan.rep,
    seed: plan.seed,
    params: { ...plan.params },
    durationS: figures.durationS,
    ...metrics,
    livelocked: verdict.livelocked,
    livelockedClasses: verdict.classes,
    sustained: sustained.sustained,
    slo: sustained.slo,
    engineCounters: figures.engineCounters,
    daemon: figures.daemon,
    extra,
    ...(figures.partial ? { status: 'partial' as const } : {}),
  };
  return RunResultSchema.parse(result);
}
