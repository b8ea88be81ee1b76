/**
 * `xstorm bench --today` (`npm run bench:today`): the livelock today. Boot
 * storms and agent chatter at 50–1,000 domains on the models of today's
 * daemons (`tdb-pernode`, `trie-replay`) with this machine's calibrated
 * costs, and — where ../shared/realxs is set up — on the real Xen 4.17
 * cxenstored and oxenstored in real time, side by side, within a time
 * budget; why starts conflict, from counters; the 2016 replay commit's
 * experiment; and the real daemons priced from their sockets, checked and
 * extrapolated. See the README section "Today's daemons".
 *
 * This module ties the pieces together: {@link runToday} measures,
 * figures.ts/report.ts compute the findings, charts.ts draws them, and
 * {@link writeTodayResults} writes the results directory (the same
 * results.json, CSV, summary, charts and gate support as `bench`, plus
 * `today.md` and `today/*.png`).
 */
import * as nodePath from 'node:path';
import type { ResultsFile } from '../../reports/schema.ts';
import { SCHEMA_VERSION } from '../../reports/schema.ts';
import { writeResultsDir } from '../../reports/results-dir.ts';
import { writeFilesAtomic, type PendingFile } from '../../reports/atomic.ts';
import type { Meta } from '../../reports/schema.ts';
import { todayCharts } from './charts.ts';
import type { TodayConfig } from './defaults.ts';
import { buildTodayReport, renderTodayMarkdown, renderTodayText, todayHeadline, todayTables } from './report.ts';
import type { TodayReport } from './report.ts';
import { runToday } from './run.ts';
import type { RunTodayOptions, TodayMeasurements } from './run.ts';

export { TODAY_DEFAULTS, PHASES } from './defaults.ts';
export type { TodayConfig, DaemonModel, Variant, Phase } from './defaults.ts';
export { runToday } from './run.ts';
export type { RunTodayOptions, TodayCell, TodayMeasurements } from './run.ts';
export { realxsUnavailable } from './realxs.ts';
export type { TodayReport } from './report.ts';

/** A finished bench: its results file, console text and the extra artefacts. */
export interface TodayOutcome {
  readonly file: ResultsFile;
  readonly report: TodayReport;
  readonly text: string;
  readonly markdown: string;
  readonly measurements: TodayMeasurements;
}

/** Measures, computes the findings and builds the results file (nothing written yet). */
export async function runTodayBench(options: RunTodayOptions & { readonly id: string; readonly meta: Meta }): Promise<TodayOutcome> {
  const measurements = await runToday(options);
  return todayOutcome(measurements, options.config, options.id, options.meta, {
    budgetS: options.budgetS, calibrated: options.calibrated.name, realDaemons: options.realDaemons,
    profiles: Object.fromEntries([options.calibrated, ...measurements.daemonProfiles.map((p) => p.calibration.profile)].map((p) => [p.name, p])),
  });
}

/** The results file and texts of measured cells (pure but for the clock of `createdAt`). */
export function todayOutcome(measurements: TodayMeasurements, config: TodayConfig, id: string, meta: Meta, extraConfig: Record<string, unknown>): TodayOutcome {
  const report = buildTodayReport(measurements, config);
  const tables = todayTables(measurements, report, config);
  const charts = todayCharts(measurements.cells, report, config);
  const file: ResultsFile = {
    schemaVersion: SCHEMA_VERSION,
    id,
    kind: 'bench',
    createdAt: new Date().toISOString(),
    meta,
    config: { today: true, defaults: config, ...extraConfig },
    runs: measurements.cells.map((c) => c.run),
    headline: todayHeadline(measurements, report),
  };
  const markdown = renderTodayMarkdown(tables, report, config, charts.map((c) => ({ file: `today/${c.id}.png`, title: c.title })));
  return { file, report, text: renderTodayText(tables, report, config), markdown, measurements };
}

/**
 * Writes the results directory: everything `bench` writes (results.json
 * last, atomically), then `today.md` and the bench's charts as
 * `today/<id>.png`. Returns the directory.
 */
export async function writeTodayResults(dir: string, outcome: TodayOutcome, options: { readonly png?: boolean } = {}): Promise<string> {
  await writeResultsDir(dir, outcome.file, { png: options.png ?? true });
  const files: PendingFile[] = [{ name: 'today.md', data: outcome.markdown }];
  if (options.png !== false) {
    // The renderer loads the canvas (~0.2 s): imported only when there are charts to draw.
    const { renderChartPng } = await import('../../reports/render.ts');
    const charts = todayCharts(outcome.measurements.cells, outcome.report, outcome.file.config['defaults'] as TodayConfig);
    for (const c of charts) files.push({ name: nodePath.join('today', `${c.id}.png`), data: renderChartPng(c) });
  }
  await writeFilesAtomic(dir, files, options.png === false ? undefined : 'today');
  return dir;
}
