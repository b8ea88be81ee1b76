/**
 * results.csv: one row per run (one scenario × engine × guest count ×
 * repetition), fixed columns documented in results/README.md, then one
 * `param.<name>` and `extra.<name>` column per name found in any run (sorted).
 */
import { stringify } from 'csv-stringify/sync';
import type { RunResult } from './schema.ts';
import type { ReportSource } from './sources.ts';

type Cell = string | number | boolean | null | undefined;

/** The fixed columns, in order, with how each is read from a run. */
export const CSV_COLUMNS: ReadonlyArray<readonly [string, (run: RunResult) => Cell]> = [
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
  ['goodput', (run) => run.goodput],
  ['throughput', (run) => run.throughput],
  ['abortRate', (run) => run.abortRate],
  ['retriesMean', (run) => run.retries.mean],
  ['retriesP99', (run) => run.retries.p99],
  ['retriesMax', (run) => run.retries.max],
  ['latencyCount', (run) => run.latency.count],
  ['latencyMeanMs', (run) => run.latency.mean],
  ['latencyP50Ms', (run) => run.latency.p50],
  ['latencyP90Ms', (run) => run.latency.p90],
  ['latencyP99Ms', (run) => run.latency.p99],
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
  ['guestsStarted', (run) => run.guestStarts?.length],
  ['lastGuestStartS', (run) => run.guestStarts?.at(-1)?.timeS],
];

/** The CSV text for the runs of every source (a `source` column first, holding the source label). */
export function toCsv(sources: readonly ReportSource[]): string {
  const runs = sources.flatMap((source) => source.file.runs.map((run) => ({ source: source.label, run })));
  const paramNames = [...new Set(runs.flatMap(({ run }) => Object.keys(run.params)))].sort();
  const extraNames = [...new Set(runs.flatMap(({ run }) => Object.keys(run.extra ?? {})))].sort();
  const header = ['source', ...CSV_COLUMNS.map(([name]) => name), ...paramNames.map((n) => `param.${n}`), ...extraNames.map((n) => `extra.${n}`)];
  const rows = runs.map(({ source, run }) => [
    source,
    ...CSV_COLUMNS.map(([, read]) => read(run)),
    ...paramNames.map((name) => run.params[name]),
    ...extraNames.map((name) => run.extra?.[name]),
  ]);
  return stringify([header, ...rows], { cast: { boolean: (value) => (value ? 'true' : 'false') }, record_delimiter: 'unix' });
}
