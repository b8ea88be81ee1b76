/**
 * results.csv: one row per run (one scenario × engine × guest count ×
 * repetition), fixed columns documented in results/README.md, then one
 * `param.<name>` and `extra.<name>` column per name found in any run (sorted).
 * Metric columns are read through the metric registry (reports/metrics.ts),
 * so they hold the same numbers as the tables, the charts and the gate.
 */
import { stringify } from 'csv-stringify/sync';
import type { RunResult } from './schema.ts';
import type { ReportSource } from './sources.ts';
import { METRICS, type MetricId } from './metrics.ts';

type Cell = string | number | boolean | null | undefined;

/** A registry metric's column reader. */
const metric = (id: MetricId) => (run: RunResult, peers: readonly RunResult[]): Cell => METRICS[id].read(run, peers);

/** The fixed columns, in order, with how each is read from a run (`peers`: the runs of its scenario in its file). */
export const CSV_COLUMNS: ReadonlyArray<readonly [string, (run: RunResult, peers: readonly RunResult[]) => Cell]> = [
  ['key', (run) => run.key],
  ['scenario', (run) => run.scenario],
  ['engine', (run) => run.engine],
  ['target', (run) => run.target],
  ['driver', (run) => run.driver],
  ['profile', (run) => run.profile],
  ['guests', (run) => run.guests],
  ['rep', (run) => run.rep],
  ['seed', (run) => run.seed],
  ['durationS', (run) => run.durationS],
  ['requests', (run) => run.requests],
  ['commits', (run) => run.commits],
  ['eagain', (run) => run.eagain],
  ['otherErrors', (run) => run.otherErrors],
  ['logicalTxns', (run) => run.logicalTxns],
  ['goodput', metric('goodput')],
  ['throughput', (run) => run.throughput],
  ['abortRate', metric('abortRate')],
  ['retriesMean', metric('retriesMean')],
  ['retriesP99', (run) => run.retries.p99],
  ['retriesMax', (run) => run.retries.max],
  ['latencyCount', (run) => run.latency.count],
  ['latencyMeanMs', (run) => run.latency.mean],
  ['latencyP50Ms', (run) => run.latency.p50],
  ['latencyP90Ms', (run) => run.latency.p90],
  ['latencyP99Ms', metric('p99Latency')],
  ['latencyP999Ms', (run) => run.latency.p999],
  ['latencyMaxMs', (run) => run.latency.max],
  ['requestLatencyP50Ms', (run) => run.requestLatency.p50],
  ['requestLatencyP99Ms', (run) => run.requestLatency.p99],
  ['fairnessMinCommits', (run) => run.fairness.minCommits],
  ['fairnessMaxCommits', (run) => run.fairness.maxCommits],
  ['starved', (run) => run.fairness.starved],
  ['livelocked', (run) => run.livelocked],
  ['livelockedClasses', (run) => run.livelockedClasses.join(';')],
  ['sustained', (run) => run.sustained],
  ['sloOk', (run) => run.slo.ok],
  ['daemonCpuMs', (run) => run.daemon.cpuMs],
  ['daemonRssBytes', (run) => run.daemon.rssBytes],
  ['guestsStarted', metric('guestsStarted')],
  ['lastGuestStartS', (run) => run.guestStarts?.at(-1)?.timeS],
  ['completionTimeS', metric('completionTime')],
];

/** The CSV text for the runs of every source (a `source` column first, holding the source label). */
export function toCsv(sources: readonly ReportSource[]): string {
  const runs = sources.flatMap((source) => source.file.runs.map((run) => ({ source: source.label, run, peers: source.file.runs.filter((other) => other.scenario === run.scenario) })));
  const paramNames = [...new Set(runs.flatMap(({ run }) => Object.keys(run.params)))].sort();
  const extraNames = [...new Set(runs.flatMap(({ run }) => Object.keys(run.extra ?? {})))].sort();
  const header = ['source', ...CSV_COLUMNS.map(([name]) => name), ...paramNames.map((n) => `param.${n}`), ...extraNames.map((n) => `extra.${n}`)];
  const rows = runs.map(({ source, run, peers }) => [
    source,
    ...CSV_COLUMNS.map(([, read]) => read(run, peers)),
    ...paramNames.map((name) => run.params[name]),
    ...extraNames.map((name) => run.extra?.[name]),
  ]);
  return stringify([header, ...rows], { cast: { boolean: (value) => (value ? 'true' : 'false') }, record_delimiter: 'unix' });
}
