/**
 * The figures of `xstorm bench --today` as chart specs (reports/charts.ts
 * `ChartSpec`, rendered by reports/png.ts): time to start the k-th domain,
 * EAGAIN and requests per domain against N (log-log, fitted exponents in
 * the legend), the 2016 replay experiment, and the real-daemon profiles
 * with their extrapolation marked. All the bench's chart code is here.
 */
import type { ChartSeries, ChartSpec } from '../../reports/charts.ts';
import type { RunResult } from '../../reports/schema.ts';
import type { TodayConfig } from './defaults.ts';
import { cellFigures, completionS, exponentRows, targetName } from './figures.ts';
import type { TodayReport } from './report.ts';
import type { TodayCell } from './run.ts';

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** The repetition whose time to start all is the median (the first on ties; runs that did not finish count as slowest). */
function medianRun(runs: readonly RunResult[]): RunResult {
  const ordered = [...runs].sort((a, b) => (completionS(a) ?? Infinity) - (completionS(b) ?? Infinity) || a.rep - b.rep);
  return ordered[(ordered.length - 1) >> 1]!;
}

function startCurves(cells: readonly TodayCell[]): ChartSpec[] {
  const boot = cells.filter((c) => c.role === 'grid' && c.run.scenario === 'boot-storm');
  const ns = [...new Set(boot.map((c) => c.run.guests))].sort((a, b) => a - b);
  const specs: ChartSpec[] = [];
  for (const n of ns) {
    const atN = boot.filter((c) => c.run.guests === n);
    const targets = [...new Set(atN.map((c) => targetName(c.run)))];
    if (targets.length < 2) continue;
    const series: ChartSeries[] = targets.map((target) => {
      const run = medianRun(atN.filter((c) => targetName(c.run) === target).map((c) => c.run));
      return {
        label: target, engine: run.engine, sourceIndex: 0, variant: run.driver === 'real' ? 1 : 0,
        points: (run.guestStarts ?? []).map((s) => ({ x: s.guest, y: round(s.timeS) })),
      };
    });
    specs.push({
      id: `today-start-k-${n}`,
      title: `Boot storm, ${n} domains at once: time to start the k-th domain`,
      xLabel: 'Domains started (k)', yLabel: 'Time (s)', xLog: false,
      yLog: Math.max(...series.flatMap((s) => s.points.map((p) => p.y))) / Math.max(1e-6, Math.min(...series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0))) >= 100,
      series,
    });
  }
  return specs;
}

function perDomain(cells: readonly TodayCell[], figure: 'EAGAIN per domain' | 'requests per domain'): ChartSpec {
  const grid = cells.filter((c) => c.role === 'grid' && c.run.scenario === 'boot-storm');
  const figures = cellFigures(grid);
  const laws = exponentRows(grid).filter((r) => r.figure === figure);
  const targets = [...new Set(figures.map((f) => f.target))];
  const read = (f: (typeof figures)[number]) => (figure === 'EAGAIN per domain' ? f.eagainPerDomain : f.requestsPerDomain);
  return {
    id: figure === 'EAGAIN per domain' ? 'today-eagain-per-domain' : 'today-requests-per-domain',
    title: `Boot storm: ${figure} against N (fitted exponent in the legend)`,
    xLabel: 'Domains started at once (N)', yLabel: figure, xLog: true, yLog: true,
    series: targets.map((target) => {
      const mine = figures.filter((f) => f.target === target);
      const law = laws.find((l) => l.target === target)?.law;
      const engine = grid.find((c) => targetName(c.run) === target)!.run.engine;
      return {
        label: `${target}${law ? `, N^${law.exponent.toFixed(2)}` : ''}`, engine, sourceIndex: 0, variant: mine[0]!.driver === 'real' ? 1 : 0,
        points: mine.filter((f) => read(f) > 0).map((f) => ({ x: f.n, y: round(read(f)) })),
      };
    }),
  };
}

function replayChart(report: TodayReport, config: TodayConfig): ChartSpec | null {
  const rows = report.replay2016.rows;
  if (!rows.length) return null;
  const [a, b] = config.replay2016.engines as [string, string];
  const pub = report.replay2016.published;
  return {
    id: 'today-replay-2016',
    title: 'Parallel VM starts and stops, without replay (trie) and with it (trie-replay)',
    xLabel: 'Domains started and stopped at once (N)', yLabel: 'Time for all (s)', xLog: true, yLog: true,
    series: [
      { label: `${a} (sim)`, engine: a, sourceIndex: 0, variant: 0, points: rows.filter((r) => r.withoutS !== null).map((r) => ({ x: r.n, y: round(r.withoutS!) })) },
      { label: `${b} (sim)`, engine: b, sourceIndex: 0, variant: 0, points: rows.filter((r) => r.withS !== null).map((r) => ({ x: r.n, y: round(r.withS!) })) },
      // The commit's two figures, as single points in their engine's colour.
      { label: `2016 commit, ${a}`, engine: a, sourceIndex: 0, variant: 2, points: [{ x: pub.domains, y: pub.withoutReplayS }] },
      { label: `2016 commit, ${b}`, engine: b, sourceIndex: 0, variant: 2, points: [{ x: pub.domains, y: pub.withReplayS }] },
    ],
  };
}

function profileChart(cells: readonly TodayCell[], report: TodayReport): ChartSpec | null {
  if (!report.profileRows.length) return null;
  const real = cellFigures(cells.filter((c) => c.role === 'grid' && c.run.driver === 'real' && c.run.scenario === 'boot-storm'));
  const series: ChartSeries[] = [];
  for (const p of report.profiles) {
    const engine = `socket:${p.daemon}`;
    series.push({ label: `${p.daemon}, real`, engine, sourceIndex: 0, variant: 1, points: real.filter((f) => f.target === `${p.daemon} 4.17 (real)` && f.completionS !== null).map((f) => ({ x: f.n, y: round(f.completionS!) })) });
    const rows = report.profileRows.filter((r) => r.daemon === p.daemon && r.simS !== null);
    series.push({ label: `${p.daemon}, model`, engine, sourceIndex: 0, variant: 0, points: rows.filter((r) => r.kind === 'check').map((r) => ({ x: r.n, y: round(r.simS!) })) });
    series.push({ label: `${p.daemon}, EXTRAPOLATED`, engine, sourceIndex: 0, variant: 2, points: rows.filter((r) => r.kind !== 'check').map((r) => ({ x: r.n, y: round(r.simS!) })) });
  }
  return {
    id: 'today-real-profiles',
    title: 'Time to start all: real daemons, their models priced from outside, EXTRAPOLATION',
    subtitle: 'EXTRAPOLATED: beyond the N this machine ran for real (simulated, or a power law of the simulated points)',
    xLabel: 'Domains started at once (N)', yLabel: 'Time to start all (s)', xLog: true, yLog: true,
    series: series.filter((s) => s.points.length > 0),
  };
}

/** Every chart of the bench (charts without data are left out). */
export function todayCharts(cells: readonly TodayCell[], report: TodayReport, config: TodayConfig): ChartSpec[] {
  const specs: ChartSpec[] = [
    ...startCurves(cells),
    perDomain(cells, 'EAGAIN per domain'),
    perDomain(cells, 'requests per domain'),
  ];
  const replay = replayChart(report, config);
  if (replay) specs.push(replay);
  const profiles = profileChart(cells, report);
  if (profiles) specs.push(profiles);
  return specs.map((s) => ({ ...s, series: s.series.filter((x) => x.points.length > 0) })).filter((s) => s.series.length > 0);
}
