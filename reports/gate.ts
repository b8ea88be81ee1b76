/**
 * The regression gate: compares a results file with a baseline and gives a
 * verdict per metric (github-action-benchmark / bencher style: a warn and a
 * fail threshold per metric, too few samples → "no verdict", never a pass).
 *
 * - Runs of the simulated driver are deterministic: each run is matched with
 *   the baseline run of the same `key` and compared tightly (any worsening
 *   beyond a tiny tolerance warns; beyond the fail threshold fails).
 * - Runs of the real driver are wall-clock figures: they are never compared
 *   absolutely, only as ratios measured within one results file (e.g. trie
 *   goodput / tdb goodput at the same guest count and repetition), as the
 *   median over at least `minReps` repetitions; that ratio is compared with
 *   the same ratio in the baseline.
 * - The headline (max sustained guests per engine for sim, the trie/tdb
 *   ratio for both) is compared file to file.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ResultsFile, RunResult } from './schema.ts';
import { ReportInputError } from './errors.ts';
import { formatIssues } from './io.ts';
import { METRICS, type MetricId } from './metrics.ts';

/** Verdict of one comparison, or of the whole gate. */
export type Verdict = 'pass' | 'warn' | 'fail' | 'no verdict';

const Threshold = z
  .strictObject({
    /** Worsening above this warns (relative: fraction, e.g. 0.05 = 5%; absolute: in the metric's unit). */
    warn: z.number().nonnegative(),
    /** Worsening above this fails. */
    fail: z.number().nonnegative(),
  })
  .refine((t) => t.warn <= t.fail, { message: 'warn must not exceed fail' });
export type Threshold = z.infer<typeof Threshold>;

const SimMetrics = z.strictObject({
  goodput: Threshold, abortRate: Threshold, p99Latency: Threshold, retriesMean: Threshold,
  completionTime: Threshold, guestsStarted: Threshold, maxSustainedGuests: Threshold, headlineRatio: Threshold,
});
const RealMetrics = z.strictObject({ goodputRatio: Threshold, p99LatencyRatio: Threshold, headlineRatio: Threshold });

/** The full gate configuration (defaults applied). */
export const GateConfigSchema = z.strictObject({
  sim: z.strictObject({
    /** Fewer attempted commits (or latency samples) than this in either run → no verdict. */
    minSamples: z.number().int().nonnegative(),
    /** Relative changes at most this large count as unchanged (float noise). */
    tolerance: z.number().nonnegative(),
    metrics: SimMetrics,
  }),
  real: z.strictObject({
    /** Fewer attempted commits than this in a run → that repetition is not used. */
    minSamples: z.number().int().nonnegative(),
    /** Fewer usable repetitions than this → no verdict. */
    minReps: z.number().int().positive(),
    /** Engine the ratios are taken against. */
    reference: z.string().min(1),
    metrics: RealMetrics,
  }),
});
export type GateConfig = z.infer<typeof GateConfigSchema>;

/** Every default of the gate, in one place. */
export const DEFAULT_GATE_CONFIG: GateConfig = {
  sim: {
    minSamples: 20,
    tolerance: 1e-9,
    metrics: {
      goodput: { warn: 0, fail: 0.02 },
      abortRate: { warn: 0, fail: 0.01 },
      p99Latency: { warn: 0, fail: 0.05 },
      retriesMean: { warn: 0, fail: 0.05 },
      completionTime: { warn: 0, fail: 0.05 },
      guestsStarted: { warn: 0, fail: 0 },
      maxSustainedGuests: { warn: 0, fail: 0 },
      headlineRatio: { warn: 0, fail: 0.05 },
    },
  },
  real: {
    minSamples: 200,
    minReps: 3,
    reference: 'tdb',
    metrics: {
      goodputRatio: { warn: 0.1, fail: 0.25 },
      p99LatencyRatio: { warn: 0.15, fail: 0.4 },
      headlineRatio: { warn: 0.1, fail: 0.25 },
    },
  },
};

/** What a thresholds file may hold: any part of {@link GateConfig}; the rest keeps its default. */
const GateConfigFileSchema = z.strictObject({
  sim: z.strictObject({ minSamples: z.number().int().nonnegative(), tolerance: z.number().nonnegative(), metrics: SimMetrics.partial() }).partial(),
  real: z.strictObject({ minSamples: z.number().int().nonnegative(), minReps: z.number().int().positive(), reference: z.string().min(1), metrics: RealMetrics.partial() }).partial(),
}).partial();

/**
 * Validates a thresholds object (all problems reported together) and
 * applies it over {@link DEFAULT_GATE_CONFIG}.
 * @throws ReportInputError naming the source and every problem.
 */
export function parseGateConfig(value: unknown, source = 'gate config'): GateConfig {
  const parsed = GateConfigFileSchema.safeParse(value);
  if (!parsed.success) throw new ReportInputError(`${source}: invalid gate thresholds: ${formatIssues(parsed.error).join('; ')}`);
  const d = DEFAULT_GATE_CONFIG;
  const c = parsed.data;
  return {
    sim: { ...d.sim, ...c.sim, metrics: { ...d.sim.metrics, ...c.sim?.metrics } },
    real: { ...d.real, ...c.real, metrics: { ...d.real.metrics, ...c.real?.metrics } },
  };
}

/** Reads a thresholds JSON file (see {@link parseGateConfig}). */
export async function readGateConfig(path: string): Promise<GateConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ReportInputError(`${path}: cannot read gate thresholds (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ReportInputError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseGateConfig(value, path);
}

/** How a metric is judged. */
interface MetricInfo {
  readonly title: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  /** relative: change as a fraction of the baseline; absolute: difference in the metric's unit. */
  readonly mode: 'relative' | 'absolute';
}

/** A per-run metric of the registry (reports/metrics.ts), judged in `mode`. */
const runMetric = (id: MetricId, mode: MetricInfo['mode']): MetricInfo => {
  const metric = METRICS[id];
  return { title: metric.title.toLowerCase(), unit: metric.unit, better: metric.better, mode };
};

/** Every metric the gate knows, by config name: the per-run ones from the registry, then the headline and real-driver ratios. */
export const GATE_METRICS: Readonly<Record<keyof GateConfig['sim']['metrics'] | keyof GateConfig['real']['metrics'], MetricInfo>> = {
  goodput: runMetric('goodput', 'relative'),
  abortRate: runMetric('abortRate', 'absolute'),
  p99Latency: runMetric('p99Latency', 'relative'),
  retriesMean: runMetric('retriesMean', 'absolute'),
  completionTime: runMetric('completionTime', 'relative'),
  guestsStarted: runMetric('guestsStarted', 'relative'),
  maxSustainedGuests: { title: 'max sustained guests (headline)', unit: 'guests', better: 'higher', mode: 'relative' },
  headlineRatio: { title: 'trie/tdb max sustained guests ratio (headline)', unit: 'ratio', better: 'higher', mode: 'relative' },
  goodputRatio: { title: 'goodput ratio to the reference engine (same run, real driver)', unit: 'ratio', better: 'higher', mode: 'relative' },
  p99LatencyRatio: { title: 'p99 latency ratio to the reference engine (same run, real driver)', unit: 'ratio', better: 'lower', mode: 'relative' },
};
export type GateMetric = keyof typeof GATE_METRICS;

/** One comparison. */
export interface GateRow {
  readonly metric: GateMetric;
  /** Which run (key), group or engine the row is about. */
  readonly subject: string;
  readonly baseline: number | null;
  readonly current: number | null;
  /** Signed change, current vs baseline (relative fraction or absolute difference); null when not comparable. */
  readonly change: number | null;
  readonly verdict: Verdict;
  readonly note: string;
  readonly threshold: Threshold;
}

/** Outcome of a gate. */
export interface GateReport {
  readonly rows: readonly GateRow[];
  readonly verdict: Verdict;
  readonly counts: Readonly<Record<Verdict, number>>;
  readonly config: GateConfig;
}

/** Judges one figure pair. */
export function judge(info: MetricInfo, threshold: Threshold, baseline: number, current: number, tolerance: number): { change: number; verdict: Verdict; note: string } {
  let change: number;
  if (info.mode === 'absolute') change = current - baseline;
  else if (baseline === 0) change = current === 0 ? 0 : current > 0 ? Infinity : -Infinity;
  else change = (current - baseline) / Math.abs(baseline);
  if (Math.abs(change) <= tolerance || baseline === current) return { change: 0, verdict: 'pass', note: 'unchanged' };
  const worse = info.better === 'higher' ? -change : change;
  if (worse <= 0) return { change, verdict: 'pass', note: 'improved' };
  if (worse > threshold.fail) return { change, verdict: 'fail', note: 'regression' };
  if (worse > threshold.warn) return { change, verdict: 'warn', note: 'worse, within the fail threshold' };
  return { change, verdict: 'pass', note: 'within the warn threshold' };
}

function simRows(baseline: ResultsFile, current: ResultsFile, config: GateConfig): GateRow[] {
  const rows: GateRow[] = [];
  const sim = config.sim;
  const currentByKey = new Map(current.runs.map((run) => [run.key, run]));
  const peersOf = (file: ResultsFile, run: RunResult): RunResult[] => file.runs.filter((other) => other.scenario === run.scenario);
  const baselineKeys = new Set(baseline.runs.map((run) => run.key));
  const row = (metric: GateMetric, subject: string, b: number | null, c: number | null, noVerdict?: string): void => {
    const threshold = (sim.metrics as Record<string, Threshold>)[metric]!;
    if (noVerdict !== undefined || b === null || c === null) {
      rows.push({ metric, subject, baseline: b, current: c, change: null, verdict: 'no verdict', note: noVerdict ?? 'not measured', threshold });
      return;
    }
    rows.push({ metric, subject, baseline: b, current: c, ...judge(GATE_METRICS[metric], threshold, b, c, sim.tolerance), threshold });
  };
  for (const base of baseline.runs) {
    if (base.driver !== 'sim') continue;
    const cur = currentByKey.get(base.key);
    if (!cur) {
      row('goodput', base.key, base.goodput, null, 'missing from the current results');
      continue;
    }
    const mismatch =
      cur.driver !== 'sim' ? `driver ${cur.driver} vs sim` :
      cur.seed !== base.seed ? `seed ${base.seed} → ${cur.seed}` :
      cur.profile !== base.profile ? `profile ${base.profile} → ${cur.profile}` :
      // The measured length moves a little with the model (the run ends at an event); only a different --duration is a mismatch.
      Math.abs(cur.durationS - base.durationS) > 0.05 * Math.max(base.durationS, 1e-9) && !base.guestStarts ? `duration ${formatValue(base.durationS)} s → ${formatValue(cur.durationS)} s` : undefined;
    const attempts = (run: RunResult): number => run.commits + run.eagain;
    const fewAttempts = Math.min(attempts(base), attempts(cur)) < sim.minSamples ? `too few samples (${Math.min(attempts(base), attempts(cur))} attempted commits < ${sim.minSamples})` : undefined;
    const fewLatency = Math.min(base.latency.count, cur.latency.count) < sim.minSamples ? `too few samples (${Math.min(base.latency.count, cur.latency.count)} transactions < ${sim.minSamples})` : undefined;
    const value = (id: MetricId, run: RunResult, file: ResultsFile): number | null => METRICS[id].read(run, peersOf(file, run)) ?? null;
    for (const id of ['goodput', 'abortRate'] as const) row(id, base.key, value(id, base, baseline), value(id, cur, current), mismatch ?? fewAttempts);
    for (const id of ['p99Latency', 'retriesMean'] as const) row(id, base.key, value(id, base, baseline), value(id, cur, current), mismatch ?? fewLatency);
    // A completion time exists only for a run that finished; one that stopped finishing has regressed.
    const bc = value('completionTime', base, baseline);
    const cc = value('completionTime', cur, current);
    if (bc !== null && cc === null && mismatch === undefined && METRICS.completionTime.unfinished?.(cur, peersOf(current, cur))) {
      rows.push({ metric: 'completionTime', subject: base.key, baseline: bc, current: null, change: null, verdict: 'fail', note: 'regression: did not finish within its cap', threshold: sim.metrics.completionTime });
    } else if (bc !== null) row('completionTime', base.key, bc, cc, mismatch);
    if (base.guestStarts) row('guestsStarted', base.key, value('guestsStarted', base, baseline), value('guestsStarted', cur, current) ?? 0, mismatch);
  }
  for (const cur of current.runs) {
    if (cur.driver === 'sim' && !baselineKeys.has(cur.key)) row('goodput', cur.key, null, cur.goodput, 'new run, not in the baseline');
  }
  return rows;
}

/** Median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Per (scenario, params, guests, engine ≠ reference): the median over repetitions of engine/reference, and how many repetitions were usable. */
function realRatios(file: ResultsFile, config: GateConfig, read: (run: RunResult) => number): Map<string, { ratio: number | null; reps: number; note: string }> {
  const ref = config.real.reference;
  const cell = (run: RunResult): string => `${run.scenario}${Object.keys(run.params).length ? ` ${Object.entries(run.params).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''} g${run.guests}`;
  const refs = new Map<string, RunResult>();
  for (const run of file.runs) if (run.driver === 'real' && run.engine === ref) refs.set(`${cell(run)} r${run.rep}`, run);
  const groups = new Map<string, { ratios: number[]; tried: number }>();
  for (const run of file.runs) {
    if (run.driver !== 'real' || run.engine === ref) continue;
    const subject = `${cell(run)} ${run.engine}/${ref}`;
    const group = groups.get(subject) ?? { ratios: [], tried: 0 };
    groups.set(subject, group);
    group.tried++;
    const base = refs.get(`${cell(run)} r${run.rep}`);
    if (!base) continue;
    if (Math.min(run.commits + run.eagain, base.commits + base.eagain) < config.real.minSamples) continue;
    const denominator = read(base);
    if (denominator > 0) group.ratios.push(read(run) / denominator);
  }
  const out = new Map<string, { ratio: number | null; reps: number; note: string }>();
  for (const [subject, { ratios, tried }] of groups) {
    const enough = ratios.length >= config.real.minReps;
    out.set(subject, {
      ratio: ratios.length ? median(ratios) : null,
      reps: ratios.length,
      note: enough ? `median of ${ratios.length} reps` : `too few samples (${ratios.length} of ${tried} reps usable < ${config.real.minReps}, each needs ≥ ${config.real.minSamples} attempted commits on both engines)`,
    });
  }
  return out;
}

function realRows(baseline: ResultsFile, current: ResultsFile, config: GateConfig): GateRow[] {
  const rows: GateRow[] = [];
  const metrics: Array<[GateMetric, (run: RunResult) => number]> = [
    ['goodputRatio', (run) => METRICS.goodput.read(run)!],
    ['p99LatencyRatio', (run) => METRICS.p99Latency.read(run)!],
  ];
  for (const [metric, read] of metrics) {
    const threshold = (config.real.metrics as Record<string, Threshold>)[metric]!;
    const b = realRatios(baseline, config, read);
    const c = realRatios(current, config, read);
    for (const [subject, base] of b) {
      const cur = c.get(subject);
      const bEnough = base.reps >= config.real.minReps && base.ratio !== null;
      const cEnough = cur !== undefined && cur.reps >= config.real.minReps && cur.ratio !== null;
      if (!bEnough || !cEnough) {
        const note = !cur ? 'missing from the current results' : !cEnough ? cur.note : `baseline: ${base.note}`;
        rows.push({ metric, subject, baseline: base.ratio, current: cur?.ratio ?? null, change: null, verdict: 'no verdict', note, threshold });
        continue;
      }
      const judged = judge(GATE_METRICS[metric], threshold, base.ratio!, cur.ratio!, 0);
      rows.push({ metric, subject, baseline: base.ratio, current: cur.ratio, ...judged, note: `${judged.note}; ${cur.note}`, threshold });
    }
  }
  return rows;
}

function headlineRows(baseline: ResultsFile, current: ResultsFile, config: GateConfig): GateRow[] {
  const rows: GateRow[] = [];
  const bh = baseline.headline;
  if (!bh) return rows;
  const ch = current.headline;
  if (ch && bh.scenario !== ch.scenario) {
    const threshold = config.sim.metrics.headlineRatio;
    return [{ metric: 'headlineRatio', subject: 'trie/tdb', baseline: bh.ratio, current: ch.ratio, change: null, verdict: 'no verdict', note: `headline scenario ${String(bh.scenario)} → ${String(ch.scenario)}`, threshold }];
  }
  const simOnly = baseline.runs.length > 0 && baseline.runs.every((run) => run.driver === 'sim') && (current.runs.every((run) => run.driver === 'sim'));
  const group = simOnly ? config.sim : config.real;
  const tolerance = simOnly ? config.sim.tolerance : 0;
  if (simOnly) {
    for (const [engine, b] of Object.entries(bh.maxSustainedGuests)) {
      const c = ch?.maxSustainedGuests[engine];
      const threshold = config.sim.metrics.maxSustainedGuests;
      if (b === null || c === null || c === undefined) {
        // A baseline that sustained nothing cannot regress; a current that lost a sustained count has regressed.
        const lost = b !== null && c === null;
        rows.push({ metric: 'maxSustainedGuests', subject: engine, baseline: b, current: c ?? null, change: null, verdict: lost ? 'fail' : 'no verdict', note: lost ? 'regression: nothing sustained now' : c === undefined ? 'missing from the current headline' : 'nothing sustained in the baseline', threshold });
        continue;
      }
      rows.push({ metric: 'maxSustainedGuests', subject: engine, baseline: b, current: c, ...judge(GATE_METRICS.maxSustainedGuests, threshold, b, c, tolerance), threshold });
    }
  }
  const threshold = (group.metrics as Record<string, Threshold>).headlineRatio!;
  if (bh.ratio === null || ch?.ratio == null) {
    rows.push({ metric: 'headlineRatio', subject: 'trie/tdb', baseline: bh.ratio, current: ch?.ratio ?? null, change: null, verdict: 'no verdict', note: 'ratio not available', threshold });
  } else {
    rows.push({ metric: 'headlineRatio', subject: 'trie/tdb', baseline: bh.ratio, current: ch.ratio, ...judge(GATE_METRICS.headlineRatio, threshold, bh.ratio, ch.ratio, tolerance), threshold });
  }
  return rows;
}

/**
 * Compares `current` with `baseline`. The overall verdict is the worst row
 * verdict (fail > warn > pass); "no verdict" only when no row had one.
 */
export function compareResults(baseline: ResultsFile, current: ResultsFile, config: GateConfig = DEFAULT_GATE_CONFIG): GateReport {
  const rows = [...simRows(baseline, current, config), ...realRows(baseline, current, config), ...headlineRows(baseline, current, config)];
  const counts: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0, 'no verdict': 0 };
  for (const row of rows) counts[row.verdict]++;
  const verdict: Verdict = counts.fail ? 'fail' : counts.warn ? 'warn' : counts.pass ? 'pass' : 'no verdict';
  return { rows, verdict, counts, config };
}

/** Exit code of `xstorm gate`: 0 pass or warn, 1 regression (or no verdict at all, unless allowed). */
export function gateExitCode(report: GateReport, options: { allowNoVerdict?: boolean } = {}): 0 | 1 {
  if (report.verdict === 'fail') return 1;
  if (report.verdict === 'no verdict' && !options.allowNoVerdict) return 1;
  return 0;
}

function formatValue(value: number | null): string {
  if (value === null) return '–';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 0.001 || abs >= 1e7)) return value.toExponential(3);
  return String(Math.round(value * 1e4) / 1e4);
}

function formatChange(info: MetricInfo, change: number | null): string {
  if (change === null) return '–';
  if (change === Infinity) return '+∞';
  if (change === -Infinity) return '−∞';
  if (info.mode === 'absolute') return `${change >= 0 ? '+' : ''}${formatValue(change)}`;
  return `${change >= 0 ? '+' : ''}${(change * 100).toFixed(2)}%`;
}

function formatThreshold(info: MetricInfo, t: Threshold): string {
  const f = (x: number): string => (info.mode === 'relative' ? `${+(x * 100).toFixed(4)}%` : `${x}`);
  return `${info.better} is better; warn if worse by > ${f(t.warn)}, fail if > ${f(t.fail)}`;
}

/** Plain-text columns, padded. */
function columns(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The gate's report: one table per metric (baseline, current, change, verdict), then the overall line. */
export function formatGateReport(report: GateReport): string {
  const out: string[] = [];
  const metrics = [...new Set(report.rows.map((row) => row.metric))];
  for (const metric of metrics) {
    const info = GATE_METRICS[metric];
    const rows = report.rows.filter((row) => row.metric === metric);
    out.push(`${info.title} (${info.unit}; ${formatThreshold(info, rows[0]!.threshold)})`);
    out.push(...columns(['subject', 'baseline', 'current', 'change', 'verdict', 'note'], rows.map((row) => [row.subject, formatValue(row.baseline), formatValue(row.current), formatChange(info, row.change), row.verdict, row.note])).map((l) => `  ${l}`));
    out.push('');
  }
  const c = report.counts;
  const label = report.verdict === 'no verdict' ? 'NO VERDICT (nothing could be compared; not a pass)' : report.verdict.toUpperCase();
  out.push(`gate: ${label} — ${c.fail} fail, ${c.warn} warn, ${c.pass} pass, ${c['no verdict']} no verdict`);
  return `${out.join('\n')}\n`;
}
