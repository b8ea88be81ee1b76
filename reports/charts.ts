/**
 * What to plot, independent of how: {@link buildChartSpecs} turns the runs
 * of one or several results files into chart specs (pure data, see
 * reports/chart-spec.ts); reports/chart-config.ts turns a spec into a
 * Chart.js configuration.
 *
 * Series are one per engine × cost profile (× the parameters that vary),
 * labelled short (`tdb · xen-2009`); runs at the ends of the paper's
 * uncertainty band ({@link bandEndKeys}) are drawn as the band on the
 * cumulative-start figure, not as series of their own.
 */
import type { ResultsFile, RunResult } from './schema.ts';
import type { ReportSource } from './sources.ts';
import type { ChartBar, ChartLine, ChartPoint, ChartSeries, ChartSpec } from './chart-spec.ts';
import { CHARTED_METRICS, shown } from './metrics.ts';
import { formatValueLabel } from './format.ts';
import { cumulativeStartChart, type StartCurve, type StartBand } from './chart-starts.ts';
import { kneeChart } from './chart-knee.ts';
import { engineLabel, profileLabels } from './chart-labels.ts';

export type { ChartBar, ChartLine, ChartMark, ChartPoint, ChartSeries, ChartSpec } from './chart-spec.ts';
export { toChartConfig, type ChartLook } from './chart-config.ts';
export { engineLabel, profileLabels } from './chart-labels.ts';

/**
 * Separator between a profile and the band end it stands for:
 * `xen-2009~copy-slow` (the name runner/cost/variants.ts gives a variant
 * profile; reports read results files and import nothing from the runner).
 */
export const BAND_END_SEPARATOR = '~';

/**
 * The keys of a file's runs that are ends of the headline's uncertainty
 * band rather than curves of their own: every run whose profile is
 * `<profile>~<end>`, and every run that `headline.band.ends[]` names
 * (`tdbRunKey`, `trieRunKey`: an end may change only the workload, e.g.
 * the toolstack) except the central runs (the headline's profile with the
 * central runs' parameters), which an end that leaves trie alone reuses.
 */
export function bandEndKeys(file: ResultsFile): Set<string> {
  const keys = new Set(file.runs.filter((run) => run.profile?.includes(BAND_END_SEPARATOR)).map((run) => run.key));
  const headline = file.headline;
  const ends = (headline?.band as { ends?: unknown } | undefined)?.ends;
  if (!headline || !Array.isArray(ends)) return keys;
  const named = new Set(ends.flatMap((end: { tdbRunKey?: unknown; trieRunKey?: unknown }) => [end?.tdbRunKey, end?.trieRunKey]).filter((key): key is string => typeof key === 'string'));
  const profile = typeof headline.profile === 'string' ? headline.profile : undefined;
  const scenario = typeof headline.scenario === 'string' ? headline.scenario : undefined;
  // The central tdb run is never an end (each end has its own tdb run); its parameters are the central ones.
  const centralParams = file.runs.find((run) => run.scenario === scenario && run.engine === 'tdb' && run.profile === profile && !named.has(run.key))?.params;
  const sameParams = (params: RunResult['params']): boolean => centralParams !== undefined && JSON.stringify(Object.entries(params).sort()) === JSON.stringify(Object.entries(centralParams).sort());
  for (const run of file.runs) {
    if (named.has(run.key) && !(run.profile === profile && sameParams(run.params))) keys.add(run.key);
  }
  return keys;
}

/** A run with the results file it came from. */
interface Tagged {
  readonly sourceIndex: number;
  readonly source: string;
  readonly run: RunResult;
  /** One end of its file's uncertainty band ({@link bandEndKeys}): drawn as the band, not as a series. */
  readonly bandEnd: boolean;
}

/** Runs drawn as one series. */
interface Group {
  readonly label: string;
  readonly engine: string;
  readonly sourceIndex: number;
  readonly variant: number;
  readonly runs: RunResult[];
}

/** Parameter names whose value differs between runs (they split series). */
function varyingParams(runs: readonly RunResult[], exclude: readonly string[] = []): string[] {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.params)))].filter((name) => !exclude.includes(name));
  return names.filter((name) => new Set(runs.map((run) => String(run.params[name]))).size > 1).sort();
}

/**
 * Groups runs into series: one per source × engine × profile (when a
 * source ran several) × the parameters that vary within that source's runs
 * (minus `exclude`), in order of first appearance. Parameters are compared
 * within a source so that two files with different parameter sets do not
 * split each other's lines. The source label is added only when two
 * sources would otherwise give the same label.
 */
function groupSeries(tagged: readonly Tagged[], exclude: readonly string[] = []): Group[] {
  const perSource = new Map<number, { split: string[]; profiles: Array<string | null>; names: Map<string, string> }>();
  for (const sourceIndex of new Set(tagged.map((t) => t.sourceIndex))) {
    const runs = tagged.filter((t) => t.sourceIndex === sourceIndex).map((t) => t.run);
    const profiles = [...new Set(runs.map((run) => run.profile))];
    perSource.set(sourceIndex, { split: varyingParams(runs, exclude), profiles, names: profileLabels(profiles) });
  }
  const bare = (t: Tagged): string => {
    const info = perSource.get(t.sourceIndex)!;
    const parts = [engineLabel(t.run.engine)];
    if (info.profiles.length > 1 && t.run.profile !== null) parts.push(info.names.get(t.run.profile)!);
    parts.push(...info.split.map((name) => `${name}=${t.run.params[name]}`));
    return parts.join(' · ');
  };
  const sourcesOf = new Map<string, Set<number>>();
  for (const t of tagged) {
    const label = bare(t);
    if (!sourcesOf.has(label)) sourcesOf.set(label, new Set());
    sourcesOf.get(label)!.add(t.sourceIndex);
  }
  const prefixSource = [...sourcesOf.values()].some((set) => set.size > 1);
  const groups = new Map<string, Group>();
  for (const t of tagged) {
    const label = prefixSource ? `${t.source} · ${bare(t)}` : bare(t);
    let group = groups.get(label);
    if (!group) {
      const profileIndex = Math.max(0, perSource.get(t.sourceIndex)!.profiles.indexOf(t.run.profile));
      groups.set(label, (group = { label, engine: t.run.engine, sourceIndex: t.sourceIndex, variant: profileIndex + (prefixSource ? t.sourceIndex : 0), runs: [] }));
    }
    group.runs.push(t.run);
  }
  return [...groups.values()];
}

/** Mean of y per x over repetitions, sorted by x; undefined readings dropped. */
function meanByX(runs: readonly RunResult[], x: (run: RunResult) => number | undefined, y: (run: RunResult) => number | undefined): ChartPoint[] {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const run of runs) {
    const xv = x(run);
    const yv = y(run);
    if (xv === undefined || yv === undefined || !Number.isFinite(xv) || !Number.isFinite(yv)) continue;
    const s = sums.get(xv) ?? { sum: 0, n: 0 };
    s.sum += yv;
    s.n += 1;
    sums.set(xv, s);
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([xv, s]) => ({ x: xv, y: round6(s.sum / s.n) }));
}

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;

const slug = (text: string): string => text.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-|-$/g, '');

/** Store size of a run: `extra.storeNodes`, else a numeric `storeNodes` parameter. */
function storeNodes(run: RunResult): number | undefined {
  const fromExtra = run.extra?.storeNodes;
  if (fromExtra !== undefined) return fromExtra;
  const param = run.params.storeNodes;
  return typeof param === 'number' ? param : undefined;
}

/**
 * The values of a geometric grid (each a fixed factor of at least 2 times
 * the last, at least three values: 1, 2, 4, ... 64 guests; 1k, 10k, 100k
 * nodes) with that factor, else undefined. Such a grid is drawn equally
 * spaced, which is a log axis whose ticks are exactly the values tried.
 */
export function geometricGrid(values: readonly number[]): { values: number[]; factor: number } | undefined {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  if (sorted.length < 3 || sorted[0]! <= 0) return undefined;
  const factor = sorted[1]! / sorted[0]!;
  if (factor < 2) return undefined;
  return sorted.every((v, i) => i === 0 || Math.abs(v / sorted[i - 1]! - factor) <= 1e-9 * factor) ? { values: sorted, factor } : undefined;
}

/** ` (log₂ scale)` for a doubling grid, ` (log scale)` for another geometric grid. */
const gridScale = (grid: { factor: number }): string => (grid.factor === 2 ? 'log₂ scale' : 'log scale');

/** Whether positive values span at least `factor` (two decades by default). */
function spans(values: readonly number[], factor = 100): boolean {
  const positive = values.filter((v) => v > 0);
  return positive.length > 0 && Math.max(...positive) / Math.min(...positive) >= factor;
}

/** What the runs are, for a subtitle: `simulated, profile xen-2009`, `real time`. */
function scopeOf(runs: readonly RunResult[]): string | undefined {
  const drivers = [...new Set(runs.map((run) => run.driver))];
  if (drivers.length !== 1) return undefined;
  if (drivers[0] === 'real') return 'real time';
  const profiles = [...new Set(runs.map((run) => run.profile).filter((p): p is string => p !== null))];
  return `simulated, ${profiles.length === 1 ? 'profile' : 'profiles'} ${profiles.join(', ')}`;
}

/** The SLO's p99 bound (ms) when every run of the scenario has the same numeric `p99Ms` parameter. */
function p99Slo(runs: readonly RunResult[]): number | undefined {
  const bounds = new Set(runs.map((run) => run.params.p99Ms));
  const [bound] = [...bounds];
  return bounds.size === 1 && typeof bound === 'number' ? bound : undefined;
}

/**
 * Milliseconds drawn as seconds when they run past 10 s (a p99 of 685,244
 * ms reads as 685 s): the factor to divide by and the axis label.
 */
function inSecondsIfLong(label: string, values: readonly number[]): { factor: number; label: string } {
  return label.endsWith('(ms)') && Math.max(0, ...values) > 10_000 ? { factor: 1000, label: label.replace(/\(ms\)$/, '(s)') } : { factor: 1, label };
}

/** A duration for a label: `100 s`, `20 min`. */
export function formatDuration(seconds: number): string {
  return seconds >= 600 ? `${formatValueLabel(seconds / 60)} min` : `${formatValueLabel(seconds)} s`;
}

/** Line charts of the charted metrics against guests, for a scenario run at two or more guest counts. */
function guestSweepCharts(scenario: string, inScenario: readonly Tagged[]): ChartSpec[] {
  const runs = inScenario.map(({ run }) => run);
  const groups = groupSeries(inScenario);
  const guests = runs.map((run) => run.guests);
  const grid = geometricGrid(guests);
  const xLog = grid === undefined && spans(guests, 16);
  const scope = scopeOf(runs);
  const specs: ChartSpec[] = [];
  for (const metric of CHARTED_METRICS) {
    const read = (run: RunResult): number | undefined => {
      const value = metric.read(run, runs);
      return value === undefined ? undefined : shown(metric, value);
    };
    const measured: ChartSeries[] = groups.map((g) => ({ label: g.label, engine: g.engine, sourceIndex: g.sourceIndex, variant: g.variant, points: meanByX(g.runs, (run) => run.guests, read) }));
    const unit = inSecondsIfLong(metric.label, measured.flatMap((s) => s.points.map((p) => p.y)));
    const series = measured.map((s) => ({ ...s, points: s.points.map((p) => ({ x: p.x, y: round6(p.y / unit.factor) })) }));
    const values = series.flatMap((s) => s.points.map((p) => p.y));
    if (!values.length) continue;
    const unfinished = metric.unfinished !== undefined && runs.some((run) => metric.unfinished!(run, runs) !== undefined);
    const lines: ChartLine[] = [];
    const slo = metric.id === 'p99Latency' ? p99Slo(runs) : undefined;
    if (slo !== undefined) lines.push({ axis: 'y', value: slo / unit.factor, label: `SLO: p99 ≤ ${formatValueLabel(slo)} ms`, kind: 'slo' });
    const notes = [scope, unfinished ? 'no point where a run did not finish within its cap' : undefined].filter(Boolean);
    specs.push({
      id: `${metric.chartSlug}-${slug(scenario)}`,
      title: `${scenario}: ${metric.title.toLowerCase()} vs guests`,
      ...(notes.length ? { subtitle: notes.join('; ') } : {}),
      xLabel: `Guests (concurrent domains${grid ? `, ${gridScale(grid)}` : xLog ? ', log scale' : ''})`,
      yLabel: unit.label,
      xLog,
      ...(metric.id === 'p99Latency' && spans([...values, ...(slo ? [slo] : [])]) ? { yLog: true } : {}),
      ...(grid ? { xCategories: grid.values } : {}),
      series,
      ...(lines.length ? { lines } : {}),
    });
  }
  return specs;
}

/** Horizontal bar charts of the charted metrics, one row per engine × profile, for a scenario run at one guest count. */
function singleCountCharts(scenario: string, inScenario: readonly Tagged[], guests: number): ChartSpec[] {
  const runs = inScenario.map(({ run }) => run);
  const groups = groupSeries(inScenario);
  if (groups.length < 2) return [];
  const scope = scopeOf(runs);
  const specs: ChartSpec[] = [];
  for (const metric of CHARTED_METRICS) {
    const bars: ChartBar[] = [];
    for (const g of groups) {
      const values = g.runs.map((run) => metric.read(run, runs)).filter((v): v is number => v !== undefined && Number.isFinite(v));
      const caps = g.runs.map((run) => metric.unfinished?.(run, runs)).filter((c): c is { capS: number } => c !== undefined);
      const base = { label: g.label, engine: g.engine, sourceIndex: g.sourceIndex, variant: g.variant };
      const bound = metric.lowerBound !== undefined && g.runs.some((run) => metric.lowerBound!(run));
      if (values.length) bars.push({ ...base, value: round6(shown(metric, values.reduce((a, b) => a + b, 0) / values.length)), ...(bound ? { lowerBound: true } : {}) });
      else if (caps.length) {
        const capS = Math.max(...caps.map((c) => c.capS));
        bars.push({ ...base, value: round6(capS), unfinished: `did not finish within ${formatDuration(capS)} (cap)` });
      }
    }
    // All-zero bars say nothing the tables do not (e.g. no retries at all); so does a chart where nothing finished.
    if (!bars.some((bar) => bar.unfinished === undefined && bar.value !== 0)) continue;
    const unit = inSecondsIfLong(metric.label, bars.filter((bar) => bar.unfinished === undefined).map((bar) => bar.value));
    const scaled = bars.map((bar) => (bar.unfinished === undefined ? { ...bar, value: round6(bar.value / unit.factor) } : bar));
    specs.push({
      id: `${metric.chartSlug}-${slug(scenario)}`,
      title: `${scenario}: ${metric.title.toLowerCase()} at ${guests} guests`,
      ...(scope ? { subtitle: scope } : {}),
      xLabel: unit.label,
      yLabel: '',
      xLog: false,
      series: [],
      bars: scaled,
      ...(metric.display?.unit === '%' ? { valueSuffix: ' %', valueMax: 100 } : {}),
    });
  }
  return specs;
}

/** The cumulative-start chart (the paper's §7.3 figure) for runs with per-guest start times. */
function startCharts(scenario: string, inScenario: readonly Tagged[]): ChartSpec[] {
  const withStarts = inScenario.filter(({ run }) => run.guestStarts?.length);
  const measured = withStarts.filter((t) => !t.bandEnd);
  if (!measured.length) return [];
  const curves: StartCurve[] = groupSeries(measured).map((g) => ({
    label: g.label, engine: g.engine, sourceIndex: g.sourceIndex, variant: g.variant,
    // One start curve per series: the run that tried the most guests (first repetition).
    run: [...g.runs].sort((a, b) => b.guests - a.guests || a.rep - b.rep)[0]!,
  }));
  const bands: StartBand[] = [];
  const ends = withStarts.filter((t) => t.bandEnd);
  for (const sourceIndex of new Set(ends.map((t) => t.sourceIndex))) {
    for (const engine of new Set(ends.filter((t) => t.sourceIndex === sourceIndex).map((t) => t.run.engine))) {
      const runs = ends.filter((t) => t.sourceIndex === sourceIndex && t.run.engine === engine).map((t) => t.run);
      const multi = new Set(ends.map((t) => t.sourceIndex)).size > 1;
      const base = [...new Set(runs.map((run) => (run.profile ?? 'real').split(BAND_END_SEPARATOR)[0]))].join(', ');
      bands.push({ engine, sourceIndex, label: `${multi ? `${inScenario.find((t) => t.sourceIndex === sourceIndex)!.source} · ` : ''}${engineLabel(engine)} · ${base} band`, runs });
    }
  }
  return [cumulativeStartChart(scenario, slug(scenario), curves, bands, scopeOf(measured.map((t) => t.run)))];
}

/** Cost against store size, for runs with two or more store sizes. */
function storeCharts(scenario: string, inScenario: readonly Tagged[]): ChartSpec[] {
  const withStore = inScenario.filter(({ run }) => storeNodes(run) !== undefined);
  if (new Set(withStore.map(({ run }) => storeNodes(run))).size < 2) return [];
  const storeRuns = withStore.map(({ run }) => run);
  const groups = groupSeries(withStore, ['storeNodes']);
  const perOp = storeRuns.every((run) => run.extra?.costPerOpUs !== undefined);
  const sizes = storeRuns.map((run) => storeNodes(run)!);
  const costs = storeRuns.map((run) => (perOp ? run.extra!.costPerOpUs! : run.latency.mean));
  const scope = scopeOf(storeRuns);
  const grid = geometricGrid(sizes);
  const xLog = grid === undefined && spans(sizes);
  return [{
    id: `cost-vs-store-${slug(scenario)}`,
    title: `${scenario}: cost vs store size`,
    ...(scope ? { subtitle: scope } : {}),
    xLabel: `Store size (nodes${grid ? `, ${gridScale(grid)}` : xLog ? ', log scale' : ''})`,
    yLabel: perOp ? 'Cost per operation (µs)' : 'Mean transaction latency (ms)',
    xLog,
    ...(grid ? { xCategories: grid.values } : {}),
    yLog: spans(costs),
    series: groups.map((g) => ({
      label: g.label, engine: g.engine, sourceIndex: g.sourceIndex, variant: g.variant,
      points: meanByX(g.runs, storeNodes, (run) => (perOp ? run.extra!.costPerOpUs : run.latency.mean)),
    })),
  }];
}

/** Knee-versus-parameter charts a producer put in `headline.kneeCurves` (see reports/chart-knee.ts). */
function kneeCharts(sources: readonly ReportSource[]): ChartSpec[] {
  const specs: ChartSpec[] = [];
  for (const source of sources) {
    for (const curve of source.file.headline?.kneeCurves ?? []) {
      const spec = kneeChart(curve);
      specs.push(sources.length > 1 ? { ...spec, id: `${spec.id}-${slug(source.label)}`, title: `${spec.title} (${source.label})` } : spec);
    }
  }
  return specs;
}

/**
 * Every chart the runs support, per scenario in order of first appearance:
 * - goodput, abort rate, p99 latency (with the SLO's bound), completion
 *   time and retries per transaction versus guests, when the scenario ran
 *   at two or more guest counts (a doubling grid gets a log₂ axis);
 * - the same as horizontal bars, one row per engine × profile, when it ran
 *   at one guest count with two or more series and no varying parameter
 *   (a run that did not finish is shown as such, not as a bar at its cap);
 * - cumulative start time versus guests started (runs with `guestStarts`:
 *   the paper's §7.3 figure, with the cap, each livelock, the paper's
 *   reported shape when the runs are paper-sized, and the band);
 * - cost versus store size (runs with a store size);
 * then the knee-versus-parameter charts of `headline.kneeCurves`. Charts
 * with no data are left out; so are bar charts that are all zero.
 */
export function buildChartSpecs(sources: readonly ReportSource[]): ChartSpec[] {
  const tagged: Tagged[] = sources.flatMap((source, sourceIndex) => {
    const ends = bandEndKeys(source.file);
    return source.file.runs.map((run) => ({ sourceIndex, source: source.label, run, bandEnd: ends.has(run.key) }));
  });
  const specs: ChartSpec[] = [];
  for (const scenario of new Set(tagged.map(({ run }) => run.scenario))) {
    const inScenario = tagged.filter(({ run }) => run.scenario === scenario);
    const measured = inScenario.filter((t) => !t.bandEnd);
    const guestCounts = new Set(measured.map(({ run }) => run.guests));
    if (guestCounts.size >= 2) specs.push(...guestSweepCharts(scenario, measured));
    const paramsVary = [...new Set(measured.map((t) => t.sourceIndex))].some((i) => varyingParams(measured.filter((t) => t.sourceIndex === i).map((t) => t.run)).length > 0);
    if (guestCounts.size === 1 && !paramsVary) specs.push(...singleCountCharts(scenario, measured, [...guestCounts][0]!));
    specs.push(...startCharts(scenario, inScenario));
    specs.push(...storeCharts(scenario, measured));
  }
  specs.push(...kneeCharts(sources));
  return specs.filter((spec) => spec.bars !== undefined || spec.series.some((s) => s.points.length > 0));
}
