/**
 * What to plot, independent of how: {@link buildChartSpecs} turns runs into
 * chart specs (pure data), and {@link toChartConfig} turns a spec into a
 * Chart.js configuration with no functions in it, so the same config is
 * rendered to PNG in Node and inlined as JSON into the HTML report.
 */
import type { RunResult } from './schema.ts';
import type { ReportSource } from './sources.ts';

/** One line of a chart. */
export interface ChartSeries {
  readonly label: string;
  readonly engine: string;
  /** Index of the results file the series comes from (line dash). */
  readonly sourceIndex: number;
  /** Style variant within its source (e.g. the second cost profile): shifts the line dash. */
  readonly variant?: number;
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>;
}

/** One bar of a bar chart (scenarios run at a single guest count). */
export interface ChartBar {
  readonly label: string;
  readonly engine: string;
  readonly sourceIndex: number;
  readonly value: number;
}

/** A chart, as data: a line chart (`series`) or, when `bars` is set, a bar chart per engine. */
export interface ChartSpec {
  /** File-safe name, e.g. `goodput-short-txn` (the PNG is `charts/<id>.png`). */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog: boolean;
  /** Log y axis: set when the values span two decades or more (cost vs store size). */
  readonly yLog?: boolean;
  readonly series: readonly ChartSeries[];
  readonly bars?: readonly ChartBar[];
}

/** A metric plotted against the guest count. */
interface GuestMetric {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly read: (run: RunResult, scenarioRuns: readonly RunResult[]) => number | undefined;
}

/** Completion time: recorded by the scenario, else the last guest start, else the run length when run lengths differ (fixed-work scenarios). */
function completionTimeS(run: RunResult, scenarioRuns: readonly RunResult[]): number | undefined {
  if (run.extra?.completionTimeS !== undefined) return run.extra.completionTimeS;
  if (run.guestStarts?.length) return run.guestStarts.at(-1)!.timeS;
  const lengths = new Set(scenarioRuns.map((r) => r.durationS));
  return lengths.size > 1 ? run.durationS : undefined;
}

const GUEST_METRICS: readonly GuestMetric[] = [
  { id: 'goodput', title: 'Goodput', yLabel: 'Goodput (commits/s)', read: (run) => run.goodput },
  { id: 'abort-rate', title: 'Abort rate', yLabel: 'Abort rate (% EAGAIN)', read: (run) => run.abortRate * 100 },
  { id: 'p99-latency', title: 'p99 transaction latency', yLabel: 'p99 txn latency (ms)', read: (run) => run.latency.p99 },
  { id: 'completion-time', title: 'Completion time', yLabel: 'Completion time (s)', read: completionTimeS },
  { id: 'retries', title: 'Retries per transaction', yLabel: 'Retries per txn (mean)', read: (run) => run.retries.mean },
];

/** Parameter names whose value differs between runs (they split series). */
function varyingParams(runs: readonly RunResult[], exclude: readonly string[] = []): string[] {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.params)))].filter((name) => !exclude.includes(name));
  return names.filter((name) => new Set(runs.map((run) => String(run.params[name]))).size > 1).sort();
}

interface Tagged {
  readonly sourceIndex: number;
  readonly source: string;
  readonly run: RunResult;
}

/**
 * Groups runs into series: one per source × engine × the parameters that
 * vary within that source's runs (minus `exclude`), in order of first
 * appearance. Parameters are compared within a source so that two files
 * with different parameter sets do not split each other's lines.
 */
function groupSeries(tagged: readonly Tagged[], multiSource: boolean, exclude: readonly string[] = []): Array<{ label: string; engine: string; sourceIndex: number; variant: number; runs: RunResult[] }> {
  const splitBySource = new Map<number, string[]>();
  // A source that ran the same engine under several cost profiles (bench:
  // xen-2009 and this machine's) gets one series per profile too.
  const profilesBySource = new Map<number, Array<string | null>>();
  for (const sourceIndex of new Set(tagged.map((t) => t.sourceIndex))) {
    const runs = tagged.filter((t) => t.sourceIndex === sourceIndex).map((t) => t.run);
    splitBySource.set(sourceIndex, varyingParams(runs, exclude));
    const profiles = [...new Set(runs.map((run) => run.profile))];
    if (profiles.length > 1) profilesBySource.set(sourceIndex, profiles);
  }
  const groups = new Map<string, { label: string; engine: string; sourceIndex: number; variant: number; runs: RunResult[] }>();
  for (const { sourceIndex, source, run } of tagged) {
    const split = splitBySource.get(sourceIndex)!;
    const parts = [
      ...(multiSource ? [source] : []), run.engine,
      ...(profilesBySource.has(sourceIndex) && run.profile !== null ? [`(${run.profile})`] : []),
      ...split.map((name) => `${name}=${run.params[name]}`),
    ];
    const label = parts.join(' ');
    let group = groups.get(label);
    const variant = Math.max(0, profilesBySource.get(sourceIndex)?.indexOf(run.profile) ?? 0);
    if (!group) groups.set(label, (group = { label, engine: run.engine, sourceIndex, variant, runs: [] }));
    group.runs.push(run);
  }
  return [...groups.values()];
}

/** Mean of y per x over repetitions, sorted by x; undefined readings dropped. */
function meanByX(runs: readonly RunResult[], x: (run: RunResult) => number | undefined, y: (run: RunResult) => number | undefined): Array<{ x: number; y: number }> {
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
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([xv, s]) => ({ x: xv, y: Math.round((s.sum / s.n) * 1e6) / 1e6 }));
}

const slug = (text: string): string => text.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-|-$/g, '');

/** Store size of a run: `extra.storeNodes`, else a numeric `storeNodes` parameter. */
function storeNodes(run: RunResult): number | undefined {
  const fromExtra = run.extra?.storeNodes;
  if (fromExtra !== undefined) return fromExtra;
  const param = run.params.storeNodes;
  return typeof param === 'number' ? param : undefined;
}

/**
 * Every chart the runs support, per scenario in order of first appearance:
 * goodput, abort rate, p99 latency, completion time and retries versus
 * guests (when the scenario ran at two or more guest counts; bar charts per
 * engine when it ran at one guest count with two or more engines and no
 * varying parameter); cumulative
 * start time versus guests started (runs with `guestStarts`, the paper's
 * §7.3 figure); cost versus store size (runs with a store size). Charts with
 * no data are left out.
 */
export function buildChartSpecs(sources: readonly ReportSource[]): ChartSpec[] {
  const multiSource = sources.length > 1;
  const tagged: Tagged[] = sources.flatMap((source, sourceIndex) => source.file.runs.map((run) => ({ sourceIndex, source: source.label, run })));
  const scenarios = [...new Set(tagged.map(({ run }) => run.scenario))];
  const specs: ChartSpec[] = [];
  const keep = (spec: ChartSpec): void => {
    if (spec.bars) {
      // All-zero bars say nothing the tables do not (e.g. no retries at all).
      if (spec.bars.some((bar) => bar.value !== 0)) specs.push(spec);
      return;
    }
    const series = spec.series.filter((s) => s.points.length > 0);
    if (series.length) specs.push({ ...spec, series });
  };
  for (const scenario of scenarios) {
    const inScenario = tagged.filter(({ run }) => run.scenario === scenario);
    const runs = inScenario.map(({ run }) => run);
    if (new Set(runs.map((run) => run.guests)).size >= 2) {
      const groups = groupSeries(inScenario, multiSource);
      for (const metric of GUEST_METRICS) {
        keep({
          id: `${metric.id}-${slug(scenario)}`,
          title: `${scenario}: ${metric.title.toLowerCase()} vs guests`,
          xLabel: 'Guests (concurrent domains)',
          yLabel: metric.yLabel,
          xLog: false,
          series: groups.map((g) => ({ label: g.label, engine: g.engine, sourceIndex: g.sourceIndex, variant: g.variant, points: meanByX(g.runs, (run) => run.guests, (run) => metric.read(run, runs)) })),
        });
      }
    }
    const guestCounts = new Set(runs.map((run) => run.guests));
    const paramsVary = [...new Set(inScenario.map((t) => t.sourceIndex))].some((i) => varyingParams(inScenario.filter((t) => t.sourceIndex === i).map((t) => t.run)).length > 0);
    if (guestCounts.size === 1 && !paramsVary) {
      // One guest count: compare engines side by side instead of along a guest axis.
      const groups = groupSeries(inScenario, multiSource);
      if (groups.length >= 2) {
        const guests = [...guestCounts][0]!;
        for (const metric of GUEST_METRICS) {
          const bars: ChartBar[] = [];
          for (const g of groups) {
            const values = g.runs.map((run) => metric.read(run, runs)).filter((v): v is number => v !== undefined && Number.isFinite(v));
            if (values.length) bars.push({ label: g.label, engine: g.engine, sourceIndex: g.sourceIndex, value: Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 1e6) / 1e6 });
          }
          keep({
            id: `${metric.id}-${slug(scenario)}`,
            title: `${scenario}: ${metric.title.toLowerCase()} at ${guests} guests`,
            xLabel: 'Engine',
            yLabel: metric.yLabel,
            xLog: false,
            series: [],
            bars,
          });
        }
      }
    }
    const withStarts = inScenario.filter(({ run }) => run.guestStarts?.length);
    if (withStarts.length) {
      const groups = groupSeries(withStarts, multiSource);
      const maxS = Math.max(...withStarts.flatMap(({ run }) => run.guestStarts!.map((s) => s.timeS)));
      const minutes = maxS > 600;
      keep({
        id: `cumulative-start-${slug(scenario)}`,
        title: `${scenario}: cumulative time to start the k-th guest`,
        xLabel: 'Guests started (k)',
        yLabel: `Cumulative start time (${minutes ? 'min' : 's'})`,
        xLog: false,
        series: groups.map((g) => {
          // One start curve per series: the run that tried the most guests (first repetition).
          const run = [...g.runs].sort((a, b) => b.guests - a.guests || a.rep - b.rep)[0]!;
          const points = run.guestStarts!.map((s) => ({ x: s.guest, y: Math.round((minutes ? s.timeS / 60 : s.timeS) * 1e4) / 1e4 }));
          return { label: g.label, engine: g.engine, sourceIndex: g.sourceIndex, variant: g.variant, points };
        }),
      });
    }
    const withStore = inScenario.filter(({ run }) => storeNodes(run) !== undefined);
    if (new Set(withStore.map(({ run }) => storeNodes(run))).size >= 2) {
      const storeRuns = withStore.map(({ run }) => run);
      const groups = groupSeries(withStore, multiSource, ['storeNodes']);
      const perOp = storeRuns.every((run) => run.extra?.costPerOpUs !== undefined);
      const sizes = storeRuns.map((run) => storeNodes(run)!);
      const costs = storeRuns.map((run) => (perOp ? run.extra!.costPerOpUs! : run.latency.mean)).filter((c) => c > 0);
      keep({
        id: `cost-vs-store-${slug(scenario)}`,
        title: `${scenario}: cost vs store size`,
        xLabel: 'Store size (nodes)',
        yLabel: perOp ? 'Cost per operation (µs)' : 'Mean transaction latency (ms)',
        xLog: Math.max(...sizes) / Math.max(1, Math.min(...sizes)) >= 100,
        yLog: costs.length > 0 && Math.max(...costs) / Math.min(...costs) >= 100,
        series: groups.map((g) => ({
          label: g.label, engine: g.engine, sourceIndex: g.sourceIndex, variant: g.variant,
          points: meanByX(g.runs, storeNodes, (run) => (perOp ? run.extra!.costPerOpUs : run.latency.mean)),
        })),
      });
    }
  }
  return specs;
}

/** Colour per engine, fixed so every chart and report agrees (colour-blind-safe Okabe–Ito hues). */
const ENGINE_COLOURS: Readonly<Record<string, string>> = {
  tdb: '#D55E00',
  trie: '#0072B2',
  'tdb-pernode': '#E69F00',
  'trie-replay': '#009E73',
  'socket:cxenstored': '#CC79A7',
  'socket:oxenstored': '#56B4E9',
};
const SPARE_COLOURS = ['#000000', '#CC79A7', '#56B4E9', '#F0E442', '#7F7F7F', '#8C564B'];
const DASHES: ReadonlyArray<number[]> = [[], [12, 6], [3, 4], [12, 4, 3, 4]];
const POINT_STYLES = ['circle', 'rect', 'triangle', 'rectRot', 'crossRot', 'star'];

/** How big to draw: 1 for the interactive HTML, 2 for paper-ready PNGs. */
export interface ChartLook {
  readonly scale: number;
}

/**
 * A Chart.js line-chart configuration for a spec: labelled axes, title,
 * legend, engine colours, one dash style per source; plain JSON (no
 * callbacks) so it can be inlined into HTML.
 */
export function toChartConfig(spec: ChartSpec, look: ChartLook = { scale: 1 }) {
  const s = look.scale;
  const spare = new Map<string, string>();
  const colour = (engine: string): string => {
    const fixed = ENGINE_COLOURS[engine];
    if (fixed) return fixed;
    if (!spare.has(engine)) spare.set(engine, SPARE_COLOURS[spare.size % SPARE_COLOURS.length]!);
    return spare.get(engine)!;
  };
  const font = (size: number, weight?: string) => ({ size: Math.round(size * s), ...(weight ? { weight } : {}) });
  const axis = (title: string, log: boolean) => ({
    type: log ? 'logarithmic' : 'linear',
    ...(log ? {} : { beginAtZero: true }),
    title: { display: true, text: title, font: font(13, 'bold'), padding: 4 * s },
    ticks: { font: font(12), maxTicksLimit: 11, maxRotation: 0, autoSkipPadding: 24 * s },
    grid: { color: '#e5e5e5', lineWidth: s },
    border: { color: '#888', width: s },
  });
  if (spec.bars) {
    return {
      type: 'bar' as const,
      data: {
        labels: spec.bars.map((bar) => bar.label),
        datasets: [{
          label: spec.yLabel,
          data: spec.bars.map((bar) => bar.value),
          backgroundColor: spec.bars.map((bar) => colour(bar.engine)),
          borderColor: spec.bars.map((bar) => colour(bar.engine)),
          borderWidth: s,
          maxBarThickness: 120 * s,
        }],
      },
      options: {
        responsive: false,
        animation: false as const,
        layout: { padding: 8 * s },
        plugins: {
          title: { display: true, text: spec.title, font: font(15, 'bold'), padding: { top: 2 * s, bottom: 8 * s } },
          legend: { display: false },
          tooltip: { enabled: true },
        },
        scales: {
          x: { type: 'category', title: { display: true, text: spec.xLabel, font: font(13, 'bold'), padding: 4 * s }, ticks: { font: font(12), maxRotation: 0, autoSkip: false }, grid: { display: false }, border: { color: '#888', width: s } },
          y: axis(spec.yLabel, false),
        },
      },
    };
  }
  return {
    type: 'line' as const,
    data: {
      datasets: spec.series.map((series) => {
        // Markers on every line or none: a curve with markers next to bare ones reads as a different kind of data.
        const dense = spec.series.some((other) => other.points.length > 40);
        return {
          label: series.label,
          data: series.points.map((p) => ({ x: p.x, y: p.y })),
          borderColor: colour(series.engine),
          backgroundColor: colour(series.engine),
          borderWidth: 2.5 * s,
          borderDash: DASHES[(series.sourceIndex + (series.variant ?? 0)) % DASHES.length]!.map((d) => d * s),
          pointStyle: POINT_STYLES[(series.sourceIndex + (series.variant ?? 0)) % POINT_STYLES.length],
          pointRadius: dense ? 0 : 3.5 * s,
          pointHoverRadius: 5 * s,
          tension: 0,
          fill: false,
        };
      }),
    },
    options: {
      responsive: false,
      animation: false as const,
      parsing: false as const,
      normalized: true,
      layout: { padding: 8 * s },
      interaction: { mode: 'nearest' as const, intersect: false },
      plugins: {
        title: { display: true, text: spec.title, font: font(15, 'bold'), padding: { top: 2 * s, bottom: 8 * s } },
        legend: { display: true, position: 'top' as const, labels: { font: font(12), boxWidth: 28 * s, boxHeight: 3 * s, padding: 10 * s } },
        tooltip: { enabled: true },
      },
      scales: { x: axis(spec.xLabel, spec.xLog), y: axis(spec.yLabel, spec.yLog ?? false) },
    },
  };
}
