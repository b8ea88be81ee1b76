/**
 * The tables every text artefact shows (summary.md, table.tex, report.html),
 * built once as formatted strings so the formats agree cell for cell.
 */
import type { Headline, ResultsFile, RunResult } from './schema.ts';
import type { ReportSource } from './sources.ts';
import { formatNumber, formatPercent } from './format.ts';
import { METRICS, TABLE_METRICS, shown, type Metric } from './metrics.ts';
import { headlineRatio, sustainedAtTop } from './headline.ts';

/** A table of formatted cells. */
export interface Table {
  readonly header: readonly string[];
  /** `l` or `r` per column. */
  readonly align: ReadonlyArray<'l' | 'r'>;
  readonly rows: ReadonlyArray<readonly string[]>;
}

export { formatNumber, formatPercent } from './format.ts';

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

/** A metric's value as a table cell (× its display factor, e.g. the abort rate in %). */
function metricCell(metric: Metric, run: RunResult, peers: readonly RunResult[]): string {
  const value = metric.read(run, peers);
  const bound = metric.lowerBound?.(run) ? '≥ ' : '';
  if (value !== undefined) return bound + (metric.display?.unit === '%' ? formatPercent(value) : formatNumber(shown(metric, value)));
  const cap = metric.unfinished?.(run, peers);
  return cap ? `> ${formatNumber(cap.capS)}` : '–';
}

/**
 * One row per run: scenario, varying parameters (if any), engine, cost
 * profile (when runs differ by profile), guests, repetition (if any run
 * has more than one), guests started (runs with start times), then the
 * table metrics of the registry (goodput, abort rate, p99 latency,
 * retries per transaction), completion time (when any run has one; `> cap`
 * for a run that did not finish), livelocked, sustained; a Source column
 * first when there are several sources.
 */
export function runsTable(sources: readonly ReportSource[]): Table {
  const all = sources.flatMap((source) => source.file.runs.map((run) => ({ source: source.label, run, peers: source.file.runs.filter((other) => other.scenario === run.scenario) })));
  const varying = varyingParamsByScenario(all.map(({ run }) => run));
  const showParams = [...varying.values()].some((names) => names.length > 0);
  const showRep = all.some(({ run }) => run.rep > 0);
  const showProfile = new Set(all.map(({ run }) => run.profile)).size > 1;
  const showStarted = all.some(({ run }) => run.guestStarts !== undefined);
  const completion = METRICS.completionTime;
  const showCompletion = all.some(({ run, peers }) => completion.read(run, peers) !== undefined || completion.unfinished?.(run, peers) !== undefined);
  const multi = sources.length > 1;
  const columns: Array<{ header: string; align: 'l' | 'r'; cell: (row: (typeof all)[number]) => string }> = [
    ...(multi ? [{ header: 'Source', align: 'l' as const, cell: (r: (typeof all)[number]) => r.source }] : []),
    { header: 'Scenario', align: 'l', cell: (r) => r.run.scenario },
    ...(showParams ? [{ header: 'Parameters', align: 'l' as const, cell: (r: (typeof all)[number]) => varying.get(r.run.scenario)!.map((name) => `${name}=${r.run.params[name]}`).join(' ') }] : []),
    { header: 'Engine', align: 'l', cell: (r) => r.run.engine },
    ...(showProfile ? [{ header: 'Profile', align: 'l' as const, cell: (r: (typeof all)[number]) => r.run.profile ?? '–' }] : []),
    { header: 'Guests', align: 'r', cell: (r) => String(r.run.guests) },
    ...(showRep ? [{ header: 'Rep', align: 'r' as const, cell: (r: (typeof all)[number]) => String(r.run.rep) }] : []),
    ...(showStarted ? [{ header: 'Started', align: 'r' as const, cell: (r: (typeof all)[number]) => (r.run.guestStarts ? String(r.run.guestStarts.length) : '–') }] : []),
    ...TABLE_METRICS.map((metric) => ({ header: metric.column ?? metric.label, align: 'r' as const, cell: (r: (typeof all)[number]) => metricCell(metric, r.run, r.peers) })),
    ...(showCompletion ? [{ header: completion.column ?? completion.label, align: 'r' as const, cell: (r: (typeof all)[number]) => metricCell(completion, r.run, r.peers) }] : []),
    // The livelocked actor classes (`guest`, `toolstack`), or no.
    { header: 'Livelocked', align: 'l', cell: (r) => (r.run.livelocked ? (r.run.livelockedClasses.length ? r.run.livelockedClasses.join(', ') : 'yes') : 'no') },
    { header: 'Sustained', align: 'l', cell: (r) => (r.run.sustained ? 'yes' : 'no') },
  ];
  return { header: columns.map((c) => c.header), align: columns.map((c) => c.align), rows: all.map((row) => columns.map((c) => c.cell(row))) };
}

/** The paper's figures if the headline carries them as `paper: { maxSustainedGuests, ratio }`. */
function paperFigures(headline: Headline): { maxSustainedGuests: Record<string, unknown>; ratio: unknown } | null {
  const paper = headline.paper as { maxSustainedGuests?: unknown; ratio?: unknown } | undefined;
  if (!paper || typeof paper !== 'object' || typeof paper.maxSustainedGuests !== 'object' || paper.maxSustainedGuests === null) return null;
  return { maxSustainedGuests: paper.maxSustainedGuests as Record<string, unknown>, ratio: paper.ratio };
}

const cell = (value: unknown): string => (typeof value === 'number' ? (Number.isInteger(value) ? String(value) : formatNumber(value)) : value === null || value === undefined ? '–' : String(value));

/** `{ low, high }` of the headline's band for a key (`ratio`, `tdbKnee`), when the producer gave one. */
function bandRange(headline: Headline, key: string): { low: number | null; high: number | null } | undefined {
  const band = headline.band as Record<string, unknown> | undefined;
  const range = band && typeof band === 'object' ? (band[key] as { low?: unknown; high?: unknown } | undefined) : undefined;
  if (!range || typeof range !== 'object') return undefined;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { low: num(range.low), high: num(range.high) };
}

/** ` [low – high]` for a band range. */
const bandText = (range: { low: number | null; high: number | null } | undefined, format: (v: number) => string): string =>
  range ? ` [${range.low === null ? '–' : format(range.low)} – ${range.high === null ? '–' : format(range.high)}]` : '';

/**
 * Headline table of one file: per engine the max sustained guests (`≥ n`
 * when n is the largest count tried; `[low – high]` when the headline has
 * a band for it, e.g. `band.tdbKnee`), and the paper's figure when the
 * headline has `paper`; then the trie/tdb ratio, `≥` when trie sustained
 * the top of the grid, with `band.ratio`. Null when the file has no headline.
 */
export function headlineTable(file: ResultsFile): Table | null {
  const headline = file.headline;
  if (!headline) return null;
  const paper = paperFigures(headline);
  const top = sustainedAtTop(file);
  const hasBand = headline.band !== undefined;
  const header = ['Engine', hasBand ? 'Max sustained guests [band]' : 'Max sustained guests', ...(paper ? ['Paper'] : [])];
  const align: Array<'l' | 'r'> = ['l', 'r', ...(paper ? ['r' as const] : [])];
  const engines = [...new Set([...Object.keys(headline.maxSustainedGuests), ...Object.keys(paper?.maxSustainedGuests ?? {})])];
  const rows = engines.map((engine) => {
    const value = headline.maxSustainedGuests[engine];
    const text = `${top[engine] ? '≥ ' : ''}${cell(value)}${bandText(bandRange(headline, `${engine}Knee`), (v) => cell(v))}`;
    return [engine, text, ...(paper ? [cell(paper.maxSustainedGuests[engine])] : [])];
  });
  const ratio = headlineRatio(file);
  rows.push([`trie/tdb ratio`, `${ratio.ratio === null ? '–' : ratio.text}${bandText(bandRange(headline, 'ratio'), (v) => v.toFixed(2))}`, ...(paper ? [typeof paper.ratio === 'number' ? paper.ratio.toFixed(2) : cell(paper.ratio)] : [])]);
  return { header, align, rows };
}

/**
 * Headline keys other than `maxSustainedGuests`, `ratio`, `scenario`,
 * `band`, `kneeCurves` (and `paper` when it is shown as the Paper column), in file order:
 * whatever a producer adds (e.g. bench's per-profile figures), shown as is.
 */
export function otherHeadlineFigures(file: ResultsFile): Array<{ key: string; value: unknown }> {
  const headline = file.headline;
  if (!headline) return [];
  // The band is in the table; knee curves are charts.
  const inTable = ['maxSustainedGuests', 'ratio', 'scenario', 'band', 'kneeCurves', ...(paperFigures(headline) ? ['paper'] : [])];
  return Object.entries(headline).filter(([key]) => !inTable.includes(key)).map(([key, value]) => ({ key, value }));
}

/** One line saying where and how a file was made. */
export function provenance(file: ResultsFile): string {
  const drivers = [...new Set(file.runs.map((run) => run.driver))].join('+') || 'none';
  const profiles = [...new Set(file.runs.map((run) => run.profile).filter((p): p is string => p !== null))].join(', ');
  const m = file.meta;
  return `${file.kind} \`${file.id}\`, created ${file.createdAt}; xstorm ${m.xstormVersion} at ${m.gitCommit ? m.gitCommit.slice(0, 12) : 'unknown commit'}; driver ${drivers}${profiles ? ` (profile ${profiles})` : ''}; Node ${m.node}; ${m.os}; ${m.cpuModel} × ${m.cpuCount}`;
}
