/**
 * The figures of `xstorm bench --today`, computed from its measured cells:
 * pure functions from cells to plain data (which goes into the results
 * file's headline) and from that data to tables. Real-daemon figures are
 * medians over their repetitions.
 */
import type { RunResult } from '../../reports/schema.ts';
import { formatNumber } from '../../reports/tables.ts';
import type { Table } from '../../reports/tables.ts';
import { domainCycles } from '../../scenarios/agent-chatter.ts';
import type { TodayConfig } from './defaults.ts';
import { evaluatePowerLaw, fitPowerLaw, growthWord } from './fit.ts';
import type { PowerLaw } from './fit.ts';
import type { TodayCell } from './run.ts';

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Time (s) by which every domain was started (and stopped, with `shutdown`), or null if some never were within the run. */
export function completionS(run: RunResult): number | null {
  if (!run.sustained) return null;
  if (run.params['shutdown'] === true) return run.durationS;
  return run.guestStarts?.at(-1)?.timeS ?? null;
}

/** How a target is named in tables: `tdb-pernode (sim)`, `cxenstored 4.17 (real)`. */
export function targetName(run: RunResult): string {
  return run.driver === 'real' ? `${run.engine.replace(/^socket:/, '')} 4.17 (real)` : `${run.engine} (sim)`;
}

/** Figures of one target at one domain count (medians over repetitions). */
export interface CellFigures {
  readonly target: string;
  readonly driver: 'real' | 'sim';
  readonly n: number;
  readonly reps: number;
  /** Domains started within the run (boot-storm), median. */
  readonly started: number;
  /** Time to start all (s), null when some were not started in any repetition's median. */
  readonly completionS: number | null;
  readonly eagainPerDomain: number;
  readonly requestsPerDomain: number;
  /** agent-chatter: dom0's create+destroy cycles per second and requests per cycle; p99 of its transactions (ms). */
  readonly cyclesPerS?: number;
  readonly requestsPerCycle?: number;
  readonly p99Ms: number;
  /** The daemon's CPU time over the run (s; sim: the simulated daemon's busy time), median. */
  readonly daemonCpuS: number | null;
  /** Real daemons: time the daemon was runnable but waited for a CPU (s, median), the 1-minute load average when the run ended. */
  readonly daemonWaitS?: number;
  readonly load1?: number;
}

/** Groups cells by target and domain count; figures are medians over the group. */
export function cellFigures(cells: readonly TodayCell[]): CellFigures[] {
  const groups = new Map<string, TodayCell[]>();
  for (const c of cells) {
    const key = `${targetName(c.run)}\u0000${c.run.guests}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((group) => {
    const runs = group.map((c) => c.run);
    const first = runs[0]!;
    const n = first.guests;
    const completions = runs.map(completionS);
    const cycles = runs.map((r) => domainCycles(r.slo.detail));
    const loads = group.flatMap((c) => (c.load1 === undefined ? [] : [c.load1]));
    const chatter = first.scenario === 'agent-chatter' && cycles.every((c) => c !== null);
    return {
      target: targetName(first),
      driver: first.driver,
      n,
      reps: runs.length,
      started: median(runs.map((r) => r.guestStarts?.length ?? 0)),
      completionS: completions.every((c) => c !== null) ? median(completions as number[]) : null,
      eagainPerDomain: median(runs.map((r) => r.eagain / n)),
      requestsPerDomain: median(runs.map((r) => r.requests / n)),
      ...(chatter ? { cyclesPerS: median(runs.map((r, i) => cycles[i]! / r.durationS)) } : {}),
      // Requests per cycle only where cycles completed (with none, the requests went elsewhere).
      ...(chatter && cycles.every((c) => c! > 0) ? { requestsPerCycle: median(runs.map((r, i) => r.requests / cycles[i]!)) } : {}),
      p99Ms: median(runs.map((r) => r.latency.p99)),
      daemonCpuS: runs.every((r) => r.daemon.cpuMs !== null) ? median(runs.map((r) => r.daemon.cpuMs! / 1000)) : null,
      ...(runs.every((r) => r.extra?.['today.daemonWaitMs'] !== undefined) ? { daemonWaitS: median(runs.map((r) => r.extra!['today.daemonWaitMs']! / 1000)) } : {}),
      ...(loads.length ? { load1: median(loads) } : {}),
    };
  }).sort((a, b) => a.n - b.n || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

/** A fitted exponent of one figure against N, for one target. */
export interface ExponentRow {
  readonly scenario: string;
  readonly target: string;
  readonly figure: 'EAGAIN per domain' | 'requests per domain' | 'requests per dom0 cycle';
  readonly law: PowerLaw | null;
  /** How the total grows (per-domain exponent + 1), in words. */
  readonly growth: string;
}

/** Power laws of the per-domain figures against N, per scenario and target (grid cells only). */
export function exponentRows(cells: readonly TodayCell[]): ExponentRow[] {
  const rows: ExponentRow[] = [];
  for (const scenario of ['boot-storm', 'agent-chatter']) {
    const figures = cellFigures(cells.filter((c) => c.role === 'grid' && c.run.scenario === scenario));
    const targets = [...new Set(figures.map((f) => f.target))];
    for (const target of targets) {
      const mine = figures.filter((f) => f.target === target);
      const add = (figure: ExponentRow['figure'], read: (f: CellFigures) => number | undefined) => {
        const law = fitPowerLaw(mine.flatMap((f) => (read(f) === undefined ? [] : [{ n: f.n, y: read(f)! }])));
        const zero = mine.every((f) => (read(f) ?? 0) === 0);
        rows.push({ scenario, target, figure, law, growth: law ? growthWord(law.exponent) : zero ? 'none (zero at every N)' : 'fewer than two points' });
      };
      if (scenario === 'boot-storm') {
        add('EAGAIN per domain', (f) => f.eagainPerDomain);
        add('requests per domain', (f) => f.requestsPerDomain);
      } else {
        add('requests per dom0 cycle', (f) => f.requestsPerCycle);
      }
    }
  }
  return rows;
}

/** The model against its real daemon at one N (boot-storm). */
export interface AgreementRow {
  readonly daemon: string;
  readonly model: string;
  readonly n: number;
  readonly reps: number;
  readonly realEagainPerDomain: number;
  readonly modelEagainPerDomain: number;
  readonly realRequestsPerDomain: number;
  readonly modelRequestsPerDomain: number;
  /** model / real − 1 (null when the real figure is 0). */
  readonly eagainOff: number | null;
  readonly requestsOff: number | null;
  readonly within: boolean;
  readonly note: string;
}

function off(model: number, real: number): number | null {
  return real === 0 ? (model === 0 ? 0 : null) : model / real - 1;
}

/** Model (grid, calibrated) vs real daemon, boot-storm, at every N both reached. */
export function agreementRows(cells: readonly TodayCell[], config: TodayConfig): AgreementRow[] {
  const figures = cellFigures(cells.filter((c) => c.role === 'grid' && c.run.scenario === 'boot-storm'));
  const rows: AgreementRow[] = [];
  for (const { daemon, model } of config.daemons) {
    for (const real of figures.filter((f) => f.target === `${daemon} 4.17 (real)`)) {
      const sim = figures.find((f) => f.target === `${model} (sim)` && f.n === real.n);
      if (!sim) continue;
      const eagainOff = off(sim.eagainPerDomain, real.eagainPerDomain);
      const requestsOff = off(sim.requestsPerDomain, real.requestsPerDomain);
      const tol = config.agreementTolerance;
      const ok = (x: number | null) => x !== null && Math.abs(x) <= tol;
      const within = ok(eagainOff) && ok(requestsOff);
      const notes: string[] = [];
      if (real.eagainPerDomain === 0 && sim.eagainPerDomain === 0) notes.push('no EAGAIN in either');
      if (!ok(eagainOff)) notes.push(`EAGAIN ${eagainOff === null ? 'only in the model' : `off by ${(eagainOff * 100).toFixed(0)} %`}`);
      if (!ok(requestsOff)) notes.push(`requests off by ${requestsOff === null ? '∞' : `${(requestsOff * 100).toFixed(0)} %`}`);
      if (real.started < real.n) notes.push(`real: ${real.started} of ${real.n} started`);
      rows.push({
        daemon, model, n: real.n, reps: real.reps,
        realEagainPerDomain: real.eagainPerDomain, modelEagainPerDomain: sim.eagainPerDomain,
        realRequestsPerDomain: real.requestsPerDomain, modelRequestsPerDomain: sim.requestsPerDomain,
        eagainOff, requestsOff, within, note: notes.join('; '),
      });
    }
  }
  return rows;
}

/** One variant of the mechanism, simulated and (where run) on the real daemon. */
export interface MechanismRow {
  readonly variant: string;
  readonly label: string;
  readonly sim: CellFigures | null;
  readonly real: CellFigures | null;
}

/** The mechanism's variants at `config.mechanism.domains` (the libxl variant is the grid's cell). */
export function mechanismRows(cells: readonly TodayCell[], config: TodayConfig): MechanismRow[] {
  const m = config.mechanism;
  const daemonLabel = `socket:${m.daemon}`;
  return m.variants.map((v, i) => {
    const mine = cells.filter((c) => c.run.scenario === 'boot-storm' && c.run.guests === m.domains && (c.role === 'mechanism' ? c.variant === v.id : i === 0 && c.role === 'grid'));
    const pick = (engine: string, driver: 'real' | 'sim') => {
      const f = cellFigures(mine.filter((c) => c.run.engine === engine && c.run.driver === driver && (driver === 'real' || c.run.profile === mine.find((x) => x.run.driver === 'sim')?.run.profile)));
      return f[0] ?? null;
    };
    return { variant: v.id, label: v.label, sim: pick(m.engine, 'sim'), real: pick(daemonLabel, 'real') };
  });
}

/** The 2016 replay experiment at one N. */
export interface ReplayRow {
  readonly n: number;
  /** Time for every start and stop (s) without and with replay, null where not all finished in the cap or not run. */
  readonly withoutS: number | null;
  readonly withS: number | null;
  readonly withoutEagain: number | null;
  readonly withEagain: number | null;
  readonly withoutRequests: number | null;
  readonly withRequests: number | null;
  readonly ratio: number | null;
}

/** trie vs trie-replay, boot-storm with shutdown, per N. */
export function replayRows(cells: readonly TodayCell[], config: TodayConfig): ReplayRow[] {
  const mine = cells.filter((c) => c.role === 'replay2016');
  const [without, withReplay] = config.replay2016.engines;
  return [...new Set(mine.map((c) => c.run.guests))].sort((a, b) => a - b).map((n) => {
    const a = mine.find((c) => c.run.guests === n && c.run.engine === without)?.run;
    const b = mine.find((c) => c.run.guests === n && c.run.engine === withReplay)?.run;
    const withoutS = a ? completionS(a) : null;
    const withS = b ? completionS(b) : null;
    return {
      n, withoutS, withS,
      withoutEagain: a?.eagain ?? null, withEagain: b?.eagain ?? null,
      withoutRequests: a?.requests ?? null, withRequests: b?.requests ?? null,
      ratio: withoutS !== null && withS !== null && withS > 0 ? withoutS / withS : null,
    };
  });
}

/** One row of the real-daemon profile check or extrapolation. */
export interface ProfileRow {
  readonly daemon: string;
  readonly model: string;
  readonly profile: string;
  readonly n: number;
  /** `check` (both ran), `extrapolation (simulated)` or `extrapolation (power law)`. */
  readonly kind: 'check' | 'extrapolation (simulated)' | 'extrapolation (power law)';
  readonly simS: number | null;
  readonly simStarted: number | null;
  readonly realS: number | null;
  readonly off: number | null;
  readonly within: boolean | null;
}

/**
 * The real-daemon profiles: simulated time to start all against the real
 * daemon's wall time where both ran, then beyond (simulated where the
 * budget allowed, else the power law of the simulated points), every
 * row beyond the real runs marked as extrapolation.
 */
export function profileRows(cells: readonly TodayCell[], config: TodayConfig, profiles: ReadonlyArray<{ daemon: string; engine: string; profile: string }>): ProfileRow[] {
  const real = cellFigures(cells.filter((c) => c.role === 'grid' && c.run.driver === 'real' && c.run.scenario === 'boot-storm'));
  const rows: ProfileRow[] = [];
  for (const p of profiles) {
    const simCells = cells.filter((c) => (c.role === 'check' || c.role === 'extrapolation') && c.run.profile === p.profile);
    for (const c of simCells.filter((x) => x.role === 'check')) {
      const r = real.find((f) => f.target === `${p.daemon} 4.17 (real)` && f.n === c.run.guests);
      const simS = completionS(c.run);
      const o = simS !== null && r?.completionS ? simS / r.completionS - 1 : null;
      rows.push({ daemon: p.daemon, model: p.engine, profile: p.profile, n: c.run.guests, kind: 'check', simS, simStarted: c.run.guestStarts?.length ?? 0, realS: r?.completionS ?? null, off: o, within: o === null ? null : Math.abs(o) <= config.check.tolerance });
    }
    const law = fitPowerLaw(simCells.flatMap((c) => (completionS(c.run) === null ? [] : [{ n: c.run.guests, y: completionS(c.run)! }])));
    for (const n of config.extrapolation.domains) {
      const c = simCells.find((x) => x.role === 'extrapolation' && x.run.guests === n);
      if (c) {
        rows.push({ daemon: p.daemon, model: p.engine, profile: p.profile, n, kind: 'extrapolation (simulated)', simS: completionS(c.run), simStarted: c.run.guestStarts?.length ?? 0, realS: null, off: null, within: null });
      } else if (law) {
        rows.push({ daemon: p.daemon, model: p.engine, profile: p.profile, n, kind: 'extrapolation (power law)', simS: evaluatePowerLaw(law, n), simStarted: null, realS: null, off: null, within: null });
      }
    }
  }
  return rows;
}

/** A titled table with notes, for the console, today.md and the README. */
export interface TitledTable {
  readonly id: string;
  readonly title: string;
  readonly table: Table;
  readonly notes: readonly string[];
}

const pct = (x: number | null) => (x === null ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)} %`);
const secs = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${formatNumber(x)} s`);

/** Boot storm: one row per N and target. */
export function bootStormTable(cells: readonly TodayCell[]): Table {
  const rows = cellFigures(cells.filter((c) => c.role === 'grid' && c.run.scenario === 'boot-storm')).map((f) => [
    String(f.n), f.target, `${f.started} / ${f.n}`, f.completionS === null ? `> cap` : secs(f.completionS),
    formatNumber(f.eagainPerDomain), formatNumber(f.requestsPerDomain), secs(f.daemonCpuS),
    f.driver === 'real' ? `${f.reps}` : '–', f.daemonWaitS === undefined ? '–' : secs(f.daemonWaitS), f.load1 === undefined ? '–' : f.load1.toFixed(1),
  ]);
  return {
    header: ['N', 'target', 'started', 'time to start all', 'EAGAIN / domain', 'requests / domain', 'daemon CPU', 'real reps', 'daemon waited for a CPU', 'load'],
    align: ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows,
  };
}

/** Agent chatter: dom0's create+destroy cycles while N agents write. */
export function agentChatterTable(cells: readonly TodayCell[]): Table {
  const rows = cellFigures(cells.filter((c) => c.role === 'grid' && c.run.scenario === 'agent-chatter')).map((f) => [
    String(f.n), f.target, f.cyclesPerS === undefined ? '–' : formatNumber(f.cyclesPerS), f.requestsPerCycle === undefined ? '–' : formatNumber(f.requestsPerCycle),
    formatNumber(f.eagainPerDomain * f.n), formatNumber(f.p99Ms), f.load1 === undefined ? '–' : f.load1.toFixed(1),
  ]);
  return { header: ['N', 'target', 'dom0 cycles / s', 'requests / cycle', 'EAGAIN', 'dom0 txn p99 (ms)', 'load'], align: ['r', 'l', 'r', 'r', 'r', 'r', 'r'], rows };
}

export function exponentTable(rows: readonly ExponentRow[]): Table {
  return {
    header: ['scenario', 'target', 'figure', 'exponent', 'R²', 'N range', 'total grows'],
    align: ['l', 'l', 'l', 'r', 'r', 'r', 'l'],
    rows: rows.map((r) => [r.scenario, r.target, r.figure, r.law ? r.law.exponent.toFixed(2) : '–', r.law ? r.law.r2.toFixed(3) : '–', r.law ? `${r.law.minN}–${r.law.maxN}` : '–', r.growth]),
  };
}

export function agreementTable(rows: readonly AgreementRow[]): Table {
  return {
    header: ['daemon', 'model', 'N', 'EAGAIN / domain real', 'model', 'off', 'requests / domain real', 'model', 'off', 'within', 'note'],
    align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
    rows: rows.map((r) => [r.daemon, r.model, String(r.n), formatNumber(r.realEagainPerDomain), formatNumber(r.modelEagainPerDomain), pct(r.eagainOff), formatNumber(r.realRequestsPerDomain), formatNumber(r.modelRequestsPerDomain), pct(r.requestsOff), r.within ? 'yes' : 'no', r.note]),
  };
}

export function mechanismTable(rows: readonly MechanismRow[], config: TodayConfig): Table {
  const m = config.mechanism;
  const f = (x: CellFigures | null, read: (c: CellFigures) => string) => (x ? read(x) : 'not run');
  return {
    header: ['variant', `EAGAIN / domain ${m.engine}`, m.daemon, `requests / domain ${m.engine}`, m.daemon, `time to start all ${m.engine}`, m.daemon],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: rows.map((r) => [
      r.label,
      f(r.sim, (c) => formatNumber(c.eagainPerDomain)), f(r.real, (c) => formatNumber(c.eagainPerDomain)),
      f(r.sim, (c) => formatNumber(c.requestsPerDomain)), f(r.real, (c) => formatNumber(c.requestsPerDomain)),
      f(r.sim, (c) => secs(c.completionS)), f(r.real, (c) => secs(c.completionS)),
    ]),
  };
}

export function censusTable(census: ReadonlyArray<{ node: string; conflicts: number }>): Table {
  const total = census.reduce((t, e) => t + e.conflicts, 0);
  return {
    header: ['first node found changed at commit', 'refused commits', 'share'],
    align: ['l', 'r', 'r'],
    rows: census.map((e) => [e.node, String(e.conflicts), total ? `${((e.conflicts / total) * 100).toFixed(1)} %` : '–']),
  };
}

export function replayTable(rows: readonly ReplayRow[], config: TodayConfig): Table {
  const [a, b] = config.replay2016.engines;
  const pub = config.replay2016.published;
  const body = rows.map((r) => [
    String(r.n), secs(r.withoutS), r.withoutEagain === null ? '–' : String(r.withoutEagain), r.withoutRequests === null ? '–' : String(r.withoutRequests),
    secs(r.withS), r.withEagain === null ? '–' : String(r.withEagain), r.ratio === null ? '–' : `${r.ratio.toFixed(1)}x`,
  ]);
  body.push([`${pub.domains} (published, 2016)`, secs(pub.withoutReplayS), '–', '–', secs(pub.withReplayS), '–', `${(pub.withoutReplayS / pub.withReplayS).toFixed(1)}x`]);
  return { header: ['N', `all started and stopped, ${a}`, 'EAGAIN', 'requests', `${b}`, 'EAGAIN', 'ratio'], align: ['l', 'r', 'r', 'r', 'r', 'r', 'r'], rows: body };
}

export function profileTable(rows: readonly ProfileRow[]): Table {
  return {
    header: ['daemon', 'model', 'N', 'kind', 'simulated time to start all', 'real wall time', 'off', 'within'],
    align: ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'l'],
    rows: rows.map((r) => [
      r.daemon, r.model, String(r.n), r.kind,
      r.simS === null ? `> cap (${r.simStarted ?? 0} of ${r.n} started)` : `${r.kind.startsWith('extrapolation') ? '≈ ' : ''}${secs(r.simS)}`,
      secs(r.realS), pct(r.off), r.within === null ? '–' : r.within ? 'yes' : 'no',
    ]),
  };
}
