/**
 * The paper's main figure (ICFP'09 §7.3): cumulative time to start the
 * k-th guest, one curve per engine × profile, with
 * - the cap drawn as a line, and each livelock marked on it with the first
 *   guest that never started;
 * - the paper's reported shape as reference series marked approximate
 *   (FACTS.md §1: cxenstored ~2 s per guest up to ~30, livelock near 40,
 *   never the 70th within 20 min; oxenstored linear ~2 s per guest, all 160
 *   in < 6 min), drawn only for paper-sized runs (time scale 1);
 * - the band over the unknowns as a shaded range ({@link startTimeBand}).
 */
import type { RunResult } from './schema.ts';
import type { ChartLine, ChartMark, ChartPoint, ChartSeries, ChartSpec } from './chart-spec.ts';
import { formatValueLabel } from './format.ts';

/** One measured start curve: the run it is drawn from and how it is labelled. */
export interface StartCurve {
  readonly label: string;
  readonly engine: string;
  readonly sourceIndex: number;
  readonly variant: number;
  readonly run: RunResult;
}

/** The band of one engine: the runs at the ends of the unknowns. */
export interface StartBand {
  readonly engine: string;
  readonly sourceIndex: number;
  readonly label: string;
  readonly runs: readonly RunResult[];
}

/** The paper's §7.3 figures as FACTS.md §1 reports them (approximate: read off a figure). */
export const PAPER_73 = {
  /** Seconds per guest, both daemons while they keep up. */
  secondsPerGuest: 2,
  /** cxenstored keeps ~2 s per guest up to about this guest. */
  cxenstoredLinearTo: 30,
  /** cxenstored livelocks near this guest. */
  cxenstoredLivelockNear: 40,
  /** ... and never starts this one within the cap. */
  cxenstoredNeverStarts: 70,
  /** The experiment's size: oxenstored starts all of them. */
  guests: 160,
  /** oxenstored starts all 160 within this many seconds. */
  oxenstoredAllWithinS: 360,
  /** The cap: 20 minutes. */
  capS: 1200,
} as const;

/** The run's cap in seconds: `capS × timeScale` parameters when present, else the length of a run that did not start every guest. */
export function startCapS(run: RunResult): number | undefined {
  const cap = run.params.capS;
  const scale = run.params.timeScale;
  if (typeof cap === 'number') return cap * (typeof scale === 'number' ? scale : 1);
  return (run.guestStarts?.length ?? 0) < run.guests ? run.durationS : undefined;
}

/**
 * The band of cumulative start times over some runs (the ends of the
 * unknowns), in seconds: for each k up to the most guests any run started,
 * `low` is the earliest time any run started its k-th guest and `high` the
 * latest, or `capS` when some run never started it within the cap.
 * Feed the edges to {@link bandSeries} to shade the range between them.
 */
export function startTimeBand(runs: readonly RunResult[], capS: number): { low: ChartPoint[]; high: ChartPoint[] } {
  const most = Math.max(0, ...runs.map((run) => run.guestStarts?.length ?? 0));
  const low: ChartPoint[] = [];
  const high: ChartPoint[] = [];
  for (let k = 1; k <= most; k++) {
    const times = runs.map((run) => run.guestStarts?.[k - 1]?.timeS);
    const started = times.filter((t): t is number => t !== undefined);
    low.push({ x: k, y: Math.min(...started) });
    high.push({ x: k, y: started.length < times.length ? Math.max(capS, ...started) : Math.max(...started) });
  }
  return { low, high };
}

/**
 * The two edges of a shaded band as chart series: the lower one without a
 * legend entry, the upper one shading down to it and standing for the band
 * in the legend (`label`). Ids are `<id>-low` and `<id>-high`.
 */
export function bandSeries(band: { readonly low: readonly ChartPoint[]; readonly high: readonly ChartPoint[] }, style: { readonly id: string; readonly label: string; readonly engine: string; readonly sourceIndex?: number }): [ChartSeries, ChartSeries] {
  const common = { engine: style.engine, sourceIndex: style.sourceIndex ?? 0, kind: 'band' as const };
  return [
    { ...common, id: `${style.id}-low`, label: `${style.label} (low edge)`, points: band.low, hideInLegend: true },
    { ...common, id: `${style.id}-high`, label: style.label, points: band.high, fillTo: `${style.id}-low` },
  ];
}

/** Whether a run is the paper's size and time (160 guests at time scale 1), so the paper's curve applies. */
function paperSized(run: RunResult): boolean {
  const scale = run.params.timeScale;
  return (scale === undefined || scale === 1) && run.guests >= PAPER_73.cxenstoredNeverStarts;
}

/** A duration in the chart's unit, rounded for a compact results file. */
const inUnit = (seconds: number, minutes: boolean): number => Math.round((minutes ? seconds / 60 : seconds) * 1e4) / 1e4;

/**
 * The cumulative-start chart of one scenario. `curves` are the measured
 * series, `bands` the band runs per engine (may be empty), `scope` a
 * subtitle (`simulated, profile xen-2009`).
 */
export function cumulativeStartChart(scenario: string, idSuffix: string, curves: readonly StartCurve[], bands: readonly StartBand[], scope?: string): ChartSpec {
  const allRuns = [...curves.map((c) => c.run), ...bands.flatMap((b) => b.runs)];
  const caps = allRuns.map(startCapS).filter((c): c is number => c !== undefined);
  const capS = caps.length ? Math.max(...caps) : undefined;
  const withPaper = scenario === 'paper-7.3' && curves.length > 0 && curves.every((c) => paperSized(c.run));
  const latest = Math.max(...allRuns.flatMap((run) => run.guestStarts?.map((s) => s.timeS) ?? []), capS ?? 0, withPaper ? PAPER_73.capS : 0);
  const minutes = latest > 600;
  const unit = minutes ? 'min' : 's';
  const series: ChartSeries[] = curves.map((c) => ({
    label: c.label, engine: c.engine, sourceIndex: c.sourceIndex, variant: c.variant,
    points: (c.run.guestStarts ?? []).map((s) => ({ x: s.guest, y: inUnit(s.timeS, minutes) })),
  }));
  const lines: ChartLine[] = [];
  const marks: ChartMark[] = [];
  const capY = capS === undefined ? undefined : inUnit(capS, minutes);
  if (capS !== undefined) lines.push({ axis: 'y', value: capY!, label: `cap: ${formatValueLabel(capY!)} ${unit}`, kind: 'cap' });
  for (const c of curves) {
    const started = c.run.guestStarts?.length ?? 0;
    if (started >= c.run.guests || capY === undefined) continue;
    // One line when it is short; a long series label gets a line of its own.
    const text = `guest ${started + 1} never starts`;
    marks.push({ x: started + 1, y: capY, label: c.label.length <= 8 ? `${c.label}: ${text}` : `${c.label}:\n${text}`, engine: c.engine, kind: 'livelock' });
  }
  if (withPaper) {
    const top = Math.max(...curves.map((c) => c.run.guests));
    const linear = (to: number): ChartPoint[] => Array.from({ length: to }, (_, i) => ({ x: i + 1, y: inUnit((i + 1) * PAPER_73.secondsPerGuest, minutes) }));
    series.push(
      { label: 'paper (approx.): oxenstored', engine: 'paper-oxenstored', sourceIndex: 0, variant: 0, kind: 'reference', points: linear(Math.min(top, PAPER_73.guests)) },
      { label: 'paper (approx.): cxenstored', engine: 'paper-cxenstored', sourceIndex: 0, variant: 1, kind: 'reference', points: linear(PAPER_73.cxenstoredLinearTo) },
    );
    const paperCap = inUnit(PAPER_73.capS, minutes);
    lines.push({ axis: 'x', value: PAPER_73.cxenstoredLivelockNear, from: 0, to: paperCap, label: `paper: livelock ≈ ${PAPER_73.cxenstoredLivelockNear}`, kind: 'paper' });
    marks.push({ x: PAPER_73.cxenstoredNeverStarts, y: paperCap, label: `paper: cxenstored never\nstarts guest ${PAPER_73.cxenstoredNeverStarts} in 20 min`, kind: 'paper' });
  }
  for (const band of bands) {
    const cap = capS ?? Math.max(...band.runs.map((run) => run.durationS));
    const edges = startTimeBand(band.runs, cap);
    const toUnit = (points: readonly ChartPoint[]): ChartPoint[] => points.map((p) => ({ x: p.x, y: inUnit(p.y, minutes) }));
    series.push(...bandSeries({ low: toUnit(edges.low), high: toUnit(edges.high) }, { id: `band-${band.sourceIndex}-${band.engine}`, label: band.label, engine: band.engine, sourceIndex: band.sourceIndex }));
  }
  const marksAbove = Math.max(capY ?? 0, withPaper ? inUnit(PAPER_73.capS, minutes) : 0);
  return {
    id: `cumulative-start-${idSuffix}`,
    title: `${scenario}: cumulative time to start the k-th guest`,
    ...(scope || (scenario === 'paper-7.3' && !withPaper) ? { subtitle: [scope, scenario === 'paper-7.3' && !withPaper ? 'reduced run: the paper\'s curve is not drawn' : undefined].filter(Boolean).join('; ') } : {}),
    xLabel: 'Guests started (k)',
    yLabel: `Cumulative start time (${unit})`,
    xLog: false,
    series,
    ...(lines.length ? { lines } : {}),
    ...(marks.length ? { marks, marksAbove } : {}),
  };
}
