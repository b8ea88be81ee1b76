/**
 * What `run` and `sweep` print: a summary table of runs, the headline line
 * and the one-object JSON form of a run (`--json`).
 */
import type { Headline, ResultsFile, RunResult } from '../reports/schema.ts';
import { headlineRatio, sustainedAtTop } from '../reports/headline.ts';

/** The `--json` object of one run. */
export function runJson(run: RunResult, resultsPath?: string): Record<string, unknown> {
  return {
    scenario: run.scenario,
    engine: run.engine,
    driver: run.driver,
    guests: run.guests,
    durationS: run.durationS,
    requests: run.requests,
    commits: run.commits,
    eagain: run.eagain,
    otherErrors: run.otherErrors,
    abortRate: run.abortRate,
    goodput: run.goodput,
    throughput: run.throughput,
    latency: { p50: run.latency.p50, p90: run.latency.p90, p99: run.latency.p99, p999: run.latency.p999, max: run.latency.max },
    requestLatency: { p50: run.requestLatency.p50, p99: run.requestLatency.p99, max: run.requestLatency.max },
    retries: run.retries,
    fairness: run.fairness,
    livelocked: run.livelocked,
    livelockedClasses: run.livelockedClasses,
    sustained: run.sustained,
    slo: run.slo.detail,
    ...(run.guestStarts ? { guestsStarted: run.guestStarts.length, lastStartS: run.guestStarts.at(-1)?.timeS ?? null } : {}),
    daemon: run.daemon,
    ...(run.status ? { status: run.status } : {}),
    ...(resultsPath ? { results: resultsPath } : {}),
  };
}

const fmt = (n: number, digits = 1) => (Number.isInteger(n) ? String(n) : n.toFixed(digits));

/** A plain-text table of runs, one line each. */
export function runsTable(runs: readonly RunResult[]): string {
  const header = ['scenario', 'engine', 'driver', 'guests', 'rep', 's', 'commits', 'eagain', 'abort%', 'goodput/s', 'p50 ms', 'p99 ms', 'max ms', 'retries p99', 'starved', 'started', 'livelocked', 'sustained'];
  const rows = runs.map((r) => [
    r.scenario, r.engine, r.driver, String(r.guests), String(r.rep), fmt(r.durationS), String(r.commits), String(r.eagain),
    (r.abortRate * 100).toFixed(1), fmt(r.goodput), r.latency.p50.toFixed(2), r.latency.p99.toFixed(2), r.latency.max.toFixed(1),
    fmt(r.retries.p99, 0), String(r.fairness.starved), r.guestStarts ? `${r.guestStarts.length}@${fmt(r.guestStarts.at(-1)?.timeS ?? 0)}s` : '-',
    r.livelocked ? `yes (${r.livelockedClasses.join(',')})` : 'no', r.sustained ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * The sweep's headline in one line: the largest sustained guest count per
 * engine and the trie/tdb ratio, or, for a partial or sharded grid, its
 * caveat instead of a ratio.
 */
export function headlineLine(headline: Headline, file?: ResultsFile): string {
  // With the file, `≥` marks a figure at the top of the grid (the ratio is then a lower bound).
  const top = file ? sustainedAtTop(file) : {};
  const engines = Object.entries(headline.maxSustainedGuests).map(([e, n]) => `${e}: ${n === null ? 'none' : `${top[e] ? '≥ ' : ''}${n}`}`).join(', ');
  const caveat = typeof headline['caveat'] === 'string' ? headline['caveat'] : undefined;
  if (caveat) return `largest sustained guest count: ${engines}; no trie/tdb ratio — ${caveat}`;
  const ratio = file ? headlineRatio(file).text : headline.ratio === null ? 'n/a' : headline.ratio.toFixed(2);
  return `largest sustained guest count: ${engines}; trie/tdb ratio: ${ratio}`;
}
