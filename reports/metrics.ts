/**
 * Every per-run metric, defined once: its name, unit, which way is better
 * and how to read it from a run. The CSV columns, the tables, the charts
 * and the gate all read metrics through this registry, so a metric means
 * the same thing in every artefact (before it, "completion time" had two
 * definitions, one in the charts and one in the gate).
 */
import type { RunResult } from './schema.ts';
import { lengthsDiffer } from './format.ts';

/** Names of the per-run metrics (also the gate's threshold names). */
export type MetricId = 'goodput' | 'abortRate' | 'p99Latency' | 'retriesMean' | 'completionTime' | 'guestsStarted';

/** One metric. */
export interface Metric {
  readonly id: MetricId;
  /** Title in sentence case, e.g. `Goodput`. */
  readonly title: string;
  /** Unit of the value {@link read} returns (`commits/s`, `fraction`, `ms`...). */
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  /**
   * The run's value, or undefined when the run has none (e.g. no completion
   * time for a run that did not finish). `peers` are the runs of the same
   * scenario in the same file: a fixed-work run's completion time is its
   * length only when run lengths differ among its peers.
   */
  readonly read: (run: RunResult, peers?: readonly RunResult[]) => number | undefined;
  /**
   * For metrics that a cap can cut short: the value the run reached when it
   * did not finish (drawn as "did not finish", never as a value), else
   * undefined.
   */
  readonly unfinished?: (run: RunResult, peers?: readonly RunResult[]) => { readonly capS: number } | undefined;
  /**
   * True when the run's value is only a lower bound (e.g. a latency that
   * counts transactions still open at the end at their wait so far): shown
   * with "≥" in charts and tables.
   */
  readonly lowerBound?: (run: RunResult) => boolean;
  /** Shown in charts and tables as value × `display.factor` in `display.unit` (abort rate: a fraction shown in %). */
  readonly display?: { readonly factor: number; readonly unit: string };
  /** Column of results.csv that holds the value. */
  readonly csvColumn: string;
  /** File-name prefix of its charts (`charts/<slug>-<scenario>.png`). */
  readonly chartSlug: string;
  /** Axis label, with the unit as shown. */
  readonly label: string;
  /** Table column header, when shorter than `label`. */
  readonly column?: string;
}

/** Whether a run started every guest it was asked to (runs with per-guest start times). */
function startedAll(run: RunResult): boolean {
  return (run.guestStarts?.length ?? 0) >= run.guests;
}

/**
 * Completion time of a run, in seconds, when it finished its work:
 * `extra.completionTimeS` if the scenario recorded one; else the last guest
 * start when every guest started; else, for fixed-work scenarios (run
 * lengths differ among `peers`: some runs ended early because they were
 * done), the run length of a run that met its SLO.
 */
function completionTimeS(run: RunResult, peers?: readonly RunResult[]): number | undefined {
  if (run.extra?.completionTimeS !== undefined) return run.guestStarts && !startedAll(run) ? undefined : run.extra.completionTimeS;
  if (run.guestStarts?.length) return startedAll(run) ? run.guestStarts.at(-1)!.timeS : undefined;
  if (run.guestStarts || !peers || !isFixedWork(peers)) return undefined;
  return run.slo.ok ? run.durationS : undefined;
}

/** Runs of a scenario whose lengths differ: some ended when their work was done. */
function isFixedWork(peers: readonly RunResult[]): boolean {
  return lengthsDiffer(peers.map((run) => run.durationS));
}

/** A run that ran into its cap instead of finishing: the length it ran to. */
function unfinishedCompletion(run: RunResult, peers?: readonly RunResult[]): { capS: number } | undefined {
  if (run.guestStarts !== undefined || run.extra?.completionTimeS !== undefined) {
    if (run.guestStarts === undefined || startedAll(run)) return undefined;
    return { capS: run.durationS };
  }
  if (!peers || !isFixedWork(peers) || run.slo.ok) return undefined;
  return { capS: run.durationS };
}

/** The registry, in the order charts and tables show the metrics. */
export const METRICS: Readonly<Record<MetricId, Metric>> = {
  goodput: {
    id: 'goodput', title: 'Goodput', unit: 'commits/s', better: 'higher', read: (run) => run.goodput,
    csvColumn: 'goodput', chartSlug: 'goodput', label: 'Goodput (commits/s)',
  },
  abortRate: {
    id: 'abortRate', title: 'Abort rate', unit: 'fraction of commits refused', better: 'lower', read: (run) => run.abortRate,
    display: { factor: 100, unit: '%' }, csvColumn: 'abortRate', chartSlug: 'abort-rate', label: 'Abort rate (% EAGAIN)', column: 'Abort rate (%)',
  },
  p99Latency: {
    // Transactions still open at the end count at their wait so far (a lower bound): a run that stops
    // with most clients stuck would otherwise show only the lucky finished ones.
    id: 'p99Latency', title: 'p99 transaction latency', unit: 'ms', better: 'lower', read: (run) => (run.latencyWithOpen ?? run.latency).p99,
    lowerBound: (run) => run.latencyWithOpen !== undefined && run.latencyWithOpen.p99 > run.latency.p99,
    csvColumn: 'latencyP99Ms', chartSlug: 'p99-latency', label: 'p99 txn latency (ms)', column: 'p99 latency (ms)',
  },
  completionTime: {
    id: 'completionTime', title: 'Completion time', unit: 's', better: 'lower', read: completionTimeS, unfinished: unfinishedCompletion,
    csvColumn: 'completionTimeS', chartSlug: 'completion-time', label: 'Completion time (s)',
  },
  retriesMean: {
    id: 'retriesMean', title: 'Retries per transaction', unit: 'retries/txn', better: 'lower', read: (run) => run.retries.mean,
    csvColumn: 'retriesMean', chartSlug: 'retries', label: 'Retries per txn (mean)', column: 'Retries (per txn)',
  },
  guestsStarted: {
    id: 'guestsStarted', title: 'Guests started', unit: 'guests', better: 'higher', read: (run) => run.guestStarts?.length,
    csvColumn: 'guestsStarted', chartSlug: 'guests-started', label: 'Guests started',
  },
};

/** The metrics charted against guests (or as bars at one guest count), in order. */
export const CHARTED_METRICS: readonly Metric[] = [METRICS.goodput, METRICS.abortRate, METRICS.p99Latency, METRICS.completionTime, METRICS.retriesMean];

/** The metrics of the runs tables, in order. */
export const TABLE_METRICS: readonly Metric[] = [METRICS.goodput, METRICS.abortRate, METRICS.p99Latency, METRICS.retriesMean];

/** A value as shown (× the display factor). */
export function shown(metric: Metric, value: number): number {
  return metric.display ? value * metric.display.factor : value;
}
