/**
 * The tables every text artefact shows (summary.md, table.tex, report.html),
 * built once as formatted strings so the formats agree cell for cell.
 */
import type { Headline, ResultsFile, RunResult } from './schema.ts';
import type { ReportSource } from './sources.ts';

/** A table of formatted cells. */
export interface Table {
  readonly header: readonly string[];
  /** `l` or `r` per column. */
  readonly align: ReadonlyArray<'l' | 'r'>;
  readonly rows: ReadonlyArray<readonly string[]>;
}

/** Fixed, locale-free number formatting: whole numbers from 100, else 1 to 3 decimals (same precision down a column of similar values). */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** A fraction as a percentage with one decimal. */
export function formatPercent(value: number): string {
  return `${(value * 100).toFixed(1)}`;
}

/** Parameters whose value differs within a scenario, per scenario. */
function varyingParamsByScenario(runs: readonly RunResult[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const scenario of new Set(runs.map((run) => run.scenario))) {
    const inScenario = runs.filter((run) => run.scenario === scenario);
    const names = [...new Set(inScenario.flatMap((run) => Object.keys(run.params)))].sort();
    out.set(scenario, names.filter((name) => new Set(inScenario.map((run) => String(run.params[name]))).size > 1));
  }
  return out;
}

/**
 * One row per run: scenario, varying parameters (if any), engine, guests,
 * repetition (if any run has more than one), goodput, abort rate, p99,
 * retries, livelocked, sustained; a Source column first when there are
 * several sources.
 */
export function runsTable(sources: readonly ReportSource[]): Table {
  const all = sources.flatMap((source) => source.file.runs.map((run) => ({ source: source.label, run })));
  const varying = varyingParamsByScenario(all.map(({ run }) => run));
  const showParams = [...varying.values()].some((names) => names.length > 0);
  const showRep = all.some(({ run }) => run.rep > 0);
  const multi = sources.length > 1;
  const header = [
    ...(multi ? ['Source'] : []), 'Scenario', ...(showParams ? ['Parameters'] : []), 'Engine', 'Guests', ...(showRep ? ['Rep'] : []),
    'Goodput (commits/s)', 'Abort rate (%)', 'p99 latency (ms)', 'Retries/txn', 'Livelocked', 'Sustained',
  ];
  const align: Array<'l' | 'r'> = [
    ...(multi ? ['l' as const] : []), 'l', ...(showParams ? ['l' as const] : []), 'l', 'r', ...(showRep ? ['r' as const] : []),
    'r', 'r', 'r', 'r', 'l', 'l',
  ];
  const rows = all.map(({ source, run }) => [
    ...(multi ? [source] : []),
    run.scenario,
    ...(showParams ? [varying.get(run.scenario)!.map((name) => `${name}=${run.params[name]}`).join(' ')] : []),
    run.engine,
    String(run.guests),
    ...(showRep ? [String(run.rep)] : []),
    formatNumber(run.goodput),
    formatPercent(run.abortRate),
    formatNumber(run.latency.p99),
    formatNumber(run.retries.mean),
    run.livelocked ? `yes${run.livelockedClasses.length ? ` (${run.livelockedClasses.join(', ')})` : ''}` : 'no',
    run.sustained ? 'yes' : 'no',
  ]);
  return { header, align, rows };
}

/** The paper's figures if the headline carries them as `paper: { maxSustainedGuests, ratio }`. */
function paperFigures(headline: Headline): { maxSustainedGuests: Record<string, unknown>; ratio: unknown } | null {
  const paper = headline.paper as { maxSustainedGuests?: unknown; ratio?: unknown } | undefined;
  if (!paper || typeof paper !== 'object' || typeof paper.maxSustainedGuests !== 'object' || paper.maxSustainedGuests === null) return null;
  return { maxSustainedGuests: paper.maxSustainedGuests as Record<string, unknown>, ratio: paper.ratio };
}

const cell = (value: unknown): string => (typeof value === 'number' ? (Number.isInteger(value) ? String(value) : formatNumber(value)) : value === null || value === undefined ? '–' : String(value));

/**
 * Headline table of one file: per engine the max sustained guests (and the
 * paper's figure when the headline has `paper`), then the trie/tdb ratio.
 * Null when the file has no headline.
 */
export function headlineTable(file: ResultsFile): Table | null {
  const headline = file.headline;
  if (!headline) return null;
  const paper = paperFigures(headline);
  const header = ['Engine', 'Max sustained guests', ...(paper ? ['Paper'] : [])];
  const align: Array<'l' | 'r'> = ['l', 'r', ...(paper ? ['r' as const] : [])];
  const engines = [...new Set([...Object.keys(headline.maxSustainedGuests), ...Object.keys(paper?.maxSustainedGuests ?? {})])];
  const rows = engines.map((engine) => [engine, cell(headline.maxSustainedGuests[engine]), ...(paper ? [cell(paper.maxSustainedGuests[engine])] : [])]);
  rows.push([`trie/tdb ratio`, headline.ratio === null ? '–' : headline.ratio.toFixed(2), ...(paper ? [typeof paper.ratio === 'number' ? paper.ratio.toFixed(2) : cell(paper.ratio)] : [])]);
  return { header, align, rows };
}

/**
 * Headline keys other than `maxSustainedGuests`, `ratio` and `scenario`
 * (and `paper` when it is shown as the Paper column), in file order:
 * whatever a producer adds (e.g. bench's per-profile figures), shown as is.
 */
export function otherHeadlineFigures(file: ResultsFile): Array<{ key: string; value: unknown }> {
  const headline = file.headline;
  if (!headline) return [];
  const shown = ['maxSustainedGuests', 'ratio', 'scenario', ...(paperFigures(headline) ? ['paper'] : [])];
  return Object.entries(headline).filter(([key]) => !shown.includes(key)).map(([key, value]) => ({ key, value }));
}

/** One line saying where and how a file was made. */
export function provenance(file: ResultsFile): string {
  const drivers = [...new Set(file.runs.map((run) => run.driver))].join('+') || 'none';
  const profiles = [...new Set(file.runs.map((run) => run.profile).filter((p): p is string => p !== null))].join(', ');
  const m = file.meta;
  return `${file.kind} \`${file.id}\`, created ${file.createdAt}; xstorm ${m.xstormVersion} at ${m.gitCommit ? m.gitCommit.slice(0, 12) : 'unknown commit'}; driver ${drivers}${profiles ? ` (profile ${profiles})` : ''}; Node ${m.node}; ${m.os}; ${m.cpuModel} × ${m.cpuCount}`;
}
