/**
 * A results directory and everything in it. {@link writeResultsDir} is what
 * `run`, `sweep`, `bench`, `report` and `merge` call: it renders every
 * artefact in memory, then writes them all under temporary names and renames
 * them into place (results.json last), so the directory never holds half a
 * file and a rendering failure leaves it untouched.
 */
import path from 'node:path';
import type { ResultsFile } from './schema.ts';
import { RESULTS_JSON, serializeResultsFile } from './io.ts';
import { writeFilesAtomic, type PendingFile } from './atomic.ts';
import { buildChartSpecs } from './charts.ts';
import type { ChartFormat } from './render.ts';
import { toCsv } from './csv.ts';
import { toMarkdown } from './markdown.ts';
import { toLatex } from './latex.ts';
import { toHtml } from './html.ts';
import { labelSources, type ReportSource } from './sources.ts';

/** File names inside a results directory. */
export const RESULTS_DIR_FILES = {
  json: RESULTS_JSON,
  csv: 'results.csv',
  summary: 'summary.md',
  latex: 'table.tex',
  html: 'report.html',
  /** Charts live here as `<chart id>.png`, `.svg` and `.pdf`. */
  charts: 'charts',
} as const;

/** Options of {@link writeResultsDir} and {@link writeReport}. */
export interface ResultsDirOptions {
  /** Render the charts (default true; the slowest artefact, ~0.1 s per chart and format). */
  readonly png?: boolean;
  /** Also write each chart as SVG and PDF beside its PNG (default true; only with `png`). */
  readonly vector?: boolean;
  /** Write report.html (default true). */
  readonly html?: boolean;
}

/**
 * Renders the report artefacts of some sources (no results.json). The chart
 * renderer is imported here, when charts are drawn: it loads the canvas
 * (~0.2 s), which commands that draw nothing (`serve`, `gate`) never need.
 */
export async function renderReport(sources: readonly ReportSource[], options: ResultsDirOptions = {}): Promise<PendingFile[]> {
  const charts = buildChartSpecs(sources);
  const files: PendingFile[] = [
    { name: RESULTS_DIR_FILES.csv, data: toCsv(sources) },
    { name: RESULTS_DIR_FILES.summary, data: toMarkdown(sources, options.png === false ? [] : charts, { vector: options.vector !== false }) },
    { name: RESULTS_DIR_FILES.latex, data: toLatex(sources) },
  ];
  if (options.html !== false) files.push({ name: RESULTS_DIR_FILES.html, data: toHtml(sources, charts) });
  if (options.png !== false) {
    const { renderChart } = await import('./render.ts');
    const formats: ChartFormat[] = options.vector === false ? ['png'] : ['png', 'svg', 'pdf'];
    for (const chart of charts) {
      for (const format of formats) files.push({ name: path.join(RESULTS_DIR_FILES.charts, `${chart.id}.${format}`), data: renderChart(chart, format) });
    }
  }
  return files;
}

/**
 * Writes a complete results directory for one results file: results.json
 * (validated), results.csv, summary.md, table.tex, report.html and
 * charts/*.png, *.svg, *.pdf. Creates `dir` if needed; replaces earlier artefacts and
 * removes charts that no longer apply. Returns the absolute paths written.
 * @throws ResultsFileError if `file` does not match the schema (nothing is written).
 */
export async function writeResultsDir(dir: string, file: ResultsFile, options: ResultsDirOptions = {}): Promise<string[]> {
  const json = serializeResultsFile(file, path.join(dir, RESULTS_JSON));
  const files = [...(await renderReport(labelSources([file]), options)), { name: RESULTS_JSON, data: json }];
  return writeFilesAtomic(dir, files, options.png === false ? undefined : RESULTS_DIR_FILES.charts);
}

/**
 * Writes the report artefacts comparing several results files in one set of
 * charts and tables (series labelled by id, or by commit when ids agree);
 * no results.json, since there is no single file. Returns the paths written.
 */
export async function writeReport(dir: string, files: readonly ResultsFile[], options: ResultsDirOptions = {}): Promise<string[]> {
  if (files.length === 1) return writeResultsDir(dir, files[0]!, options);
  return writeFilesAtomic(dir, await renderReport(labelSources(files), options), options.png === false ? undefined : RESULTS_DIR_FILES.charts);
}
