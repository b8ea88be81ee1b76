/**
 * reports/: results files and everything made from them (CSV, PNG charts,
 * summary.md, table.tex, report.html), the regression gate, and sharding.
 *
 * Producers (`run`, `sweep`, `bench`) build a {@link ResultsFile}, set
 * `headline: computeHeadline(runs)` for sweeps, and call
 * {@link writeResultsDir}. Readers call {@link readResultsFile}.
 */
export * from './schema.ts';
export { ReportInputError, ResultsFileError } from './errors.ts';
export { readResultsFile, writeResultsFile, parseResultsFile, serializeResultsFile, resultsJsonPath, MIGRATIONS, RESULTS_JSON, type Migration, type ParseOptions } from './io.ts';
export { writeResultsDir, writeReport, renderReport, RESULTS_DIR_FILES, type ResultsDirOptions } from './results-dir.ts';
export { computeHeadline, mostSweptScenario, qualifyHeadline, sustainedAtTop, headlineRatio, type HeadlineOptions, type GridCompleteness } from './headline.ts';
export { parseShard, formatShard, selectShard, selectShardWithIndex, mergeResultsFiles, compareRuns, stripShardArgs, type Shard } from './shard.ts';
export {
  compareResults, formatGateReport, gateExitCode, parseGateConfig, readGateConfig, judge,
  DEFAULT_GATE_CONFIG, GATE_METRICS, GateConfigSchema, type GateConfig, type GateReport, type GateRow, type Verdict, type Threshold,
} from './gate.ts';
export { runGate, type RunGateOptions, type RunGateOutcome } from './gate-run.ts';
export { buildChartSpecs, toChartConfig, bandEndKeys, engineLabel, profileLabels, geometricGrid, BAND_END_SEPARATOR, type ChartLook } from './charts.ts';
export type { ChartSpec, ChartSeries, ChartBar, ChartLine, ChartMark, ChartPoint } from './chart-spec.ts';
export { cumulativeStartChart, startTimeBand, bandSeries, startCapS, PAPER_73, type StartCurve, type StartBand } from './chart-starts.ts';
export { kneeChart } from './chart-knee.ts';
// The chart renderer (./render.ts) is not re-exported: it loads the canvas
// (~0.2 s of every start); import it directly where charts are drawn.
export type { ChartFormat } from './render.ts';
export { METRICS, CHARTED_METRICS, TABLE_METRICS, shown, type Metric, type MetricId } from './metrics.ts';
export { formatNumber, formatPercent, formatValueLabel, formatBounded, ratioBound, sameLength, lengthsDiffer, type Bound } from './format.ts';
export { toCsv, CSV_COLUMNS } from './csv.ts';
export { toMarkdown } from './markdown.ts';
export { toLatex, escapeLatex, latexTable } from './latex.ts';
export { toHtml } from './html.ts';
export { labelSources, type ReportSource } from './sources.ts';
export { userCommand, displayCommand } from './command.ts';
export { chartLayout, layoutProblems, type ChartLayout, type LaidOutBox } from './legibility.ts';
export { legendFilter, LEGEND_FILTER_JS } from './chart-config.ts';
export { headlineTable, runsTable, provenance, type Table } from './tables.ts';
export { writeFileAtomic, writeFilesAtomic } from './atomic.ts';
