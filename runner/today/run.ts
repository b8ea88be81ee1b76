/**
 * Runs `xstorm bench --today`: phase by phase (runner/today/defaults.ts
 * PHASES), each within its share of the time budget (budget.ts), and
 * collects every measured cell. The figures and tables are computed from
 * the cells afterwards (figures.ts), so this module only decides what to
 * run and runs it.
 *
 * Simulated cells run on a pool of worker threads (runner/sim/bench.ts
 * `runBench`), one wave of domain counts at a time; a cell's wall time is
 * its share of its wave's by the events the simulator fired (its cost is
 * per event), and never more than the wave's. Real-daemon cells run one at
 * a time in real time, nothing else of the bench running meanwhile.
 */
import * as os from 'node:os';
import type { EngineKind } from '../../engines/index.ts';
import type { RunResult } from '../../reports/schema.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import type { CostProfile } from '../cost/schema.ts';
import { calibrateSocket, isRealDaemonModel, readSchedstat } from '../cost/calibrate-socket.ts';
import type { SocketCalibration } from '../cost/calibrate-socket.ts';
import { createRealDriver } from '../real/index.ts';
import { runBench } from '../sim/bench.ts';
import type { SimItem } from '../sim/bench.ts';
import { runSimulated } from '../sim/driver.ts';
import type { RunPlan, Target } from '../types.ts';
import { Budget, describeStop, predictWallS } from './budget.ts';
import type { CostPoint } from './budget.ts';
import { ConflictCensus } from './census.ts';
import type { Phase, TodayConfig } from './defaults.ts';
import { startRealDaemon } from './realxs.ts';
import type { RealDaemon, RealDaemonName } from './realxs.ts';

/** What a cell is for. */
export type CellRole = 'grid' | 'mechanism' | 'replay2016' | 'check' | 'extrapolation';

/** One measured run of the bench. */
export interface TodayCell {
  readonly role: CellRole;
  /** Mechanism variant id (role `mechanism`; the libxl variant is the grid's cell). */
  readonly variant?: string;
  readonly run: RunResult;
  /** Wall seconds the cell cost the bench. */
  readonly wallS: number;
  /** 1-minute load average when a real-time cell ended. */
  readonly load1?: number;
}

/** A real daemon calibrated through its socket (phase `real-daemon profiles`). */
export interface DaemonProfile {
  readonly daemon: RealDaemonName;
  readonly calibration: SocketCalibration;
}

/** Everything the bench measured. */
export interface TodayMeasurements {
  readonly cells: readonly TodayCell[];
  /** Refused commits by node kind in the mechanism's simulated libxl run. */
  readonly census: ReadonlyArray<{ node: string; conflicts: number }>;
  readonly daemonProfiles: readonly DaemonProfile[];
  readonly budget: Budget;
  /** Real daemons: used, or why not. */
  readonly realDaemons: { readonly used: boolean; readonly reason?: string };
  /** Real runs or calibrations that failed (the series stopped there). */
  readonly failures: readonly string[];
  readonly load: { readonly before: readonly number[]; readonly after: readonly number[] };
}

/** Options of {@link runToday}. */
export interface RunTodayOptions {
  readonly config: TodayConfig;
  /** This machine's calibrated profile (prices the models in the grid, mechanism and 2016 phases). */
  readonly calibrated: CostProfile;
  /** Whether to run the real daemons (the caller checked realxs). */
  readonly realDaemons: { readonly used: boolean; readonly reason?: string };
  /** Total wall-clock budget (s). */
  readonly budgetS: number;
  /** Progress lines (stderr). */
  readonly log: (line: string) => void;
  /** Threads of the simulation pool (default: one per core). */
  readonly threads?: number;
  /** Monotonic seconds (injected for tests; default performance.now). */
  readonly now?: () => number;
}

const defaultNow = () => performance.now() / 1000;

/** A series of cells at growing domain counts, for the budget's predictions. */
class Series {
  readonly name: string;
  /** The least exponent of its cost in N (budget.ts predictWallS). */
  readonly exponent: number;
  readonly points: CostPoint[] = [];
  alive = true;
  reached: number | null = null;

  constructor(name: string, exponent = 2) {
    this.name = name;
    this.exponent = exponent;
  }

  add(n: number, wallS: number): void {
    this.points.push({ n, wallS });
    this.reached = Math.max(this.reached ?? 0, n);
  }
}

/** State shared by the phases. */
interface Context {
  readonly options: RunTodayOptions;
  readonly config: TodayConfig;
  readonly budget: Budget;
  readonly now: () => number;
  readonly cells: TodayCell[];
  readonly failures: string[];
  readonly log: (line: string) => void;
  census: Array<{ node: string; conflicts: number }>;
  readonly daemonProfiles: DaemonProfile[];
}

function plan(config: TodayConfig, scenario: string, params: Readonly<Record<string, number | boolean>>, guests: number, target: Target, options: { rep?: number; profile?: string; durationS?: number } = {}): RunPlan {
  const s = getScenario(scenario);
  const validated = validateParams(s, { ...params });
  const durationS = options.durationS ?? (s.durationS ? s.durationS(validated) : s.defaultDurationS);
  const rep = options.rep ?? 0;
  return {
    scenario, params: validated, guests, seed: config.seed + rep, durationS, target, rep,
    ...(options.profile ? { profile: options.profile } : {}),
  };
}

/** One line about a run, for progress. */
export function describeRun(run: RunResult, wallS: number): string {
  const starts = run.guestStarts?.length;
  const what = run.scenario === 'boot-storm'
    ? `${starts ?? 0}/${run.guests} started${starts ? `, last at ${run.guestStarts!.at(-1)!.timeS.toFixed(2)} s` : ''}`
    : `${run.slo.detail}`;
  return `${what}; ${run.eagain} EAGAIN, ${run.requests} requests (wall ${wallS.toFixed(1)} s)`;
}

/** Runs simulated items on the pool; returns their results with each one's share of the wall time. */
async function simWave(ctx: Context, items: readonly SimItem[]): Promise<Array<{ run: RunResult; wallS: number }>> {
  if (items.length === 0) return [];
  const t0 = ctx.now();
  const runs = await runBench(items, undefined, ctx.options.threads ?? os.availableParallelism());
  const wallS = ctx.now() - t0;
  const threads = Math.min(items.length, ctx.options.threads ?? os.availableParallelism());
  // The simulator's cost is per event it fires (requests, replies, timers).
  const cost = (run: RunResult) => run.extra?.['simEvents'] ?? run.requests;
  const total = runs.reduce((t, r) => t + cost(r), 0) || 1;
  // No cell took longer than its wave.
  return runs.map((run) => ({ run, wallS: wallS * Math.min(1, (threads * cost(run)) / total) }));
}

/**
 * Runs simulated series over growing domain counts, one wave per count;
 * a series stops at the first count predicted not to fit the phase.
 */
async function simSeries(
  ctx: Context,
  phase: Phase,
  role: CellRole,
  domains: readonly number[],
  series: ReadonlyArray<{ name: string; item: (n: number) => SimItem; variant?: string; exponent?: number }>,
): Promise<void> {
  const state = series.map((s) => ({ ...s, series: new Series(s.name) }));
  const threads = ctx.options.threads ?? os.availableParallelism();
  for (const n of domains) {
    // Cheapest first: a wave fits when its predicted cells, spread over the pool, fit what is left.
    const candidates = state.filter((s) => s.series.alive)
      .map((s) => ({ s, predicted: predictWallS(s.series.points, n, s.exponent) }))
      .sort((a, b) => (a.predicted ?? 0) - (b.predicted ?? 0));
    const wave: typeof state = [];
    let sum = 0;
    let longest = 0;
    for (const { s, predicted } of candidates) {
      // The wave lasts as long as its longest cell, or its cells spread over the pool.
      const waveS = predicted === null ? null : Math.max(longest, predicted, (sum + predicted) / threads);
      if (ctx.budget.fits(s.name, s.series.reached, n, waveS)) {
        wave.push(s);
        sum += predicted ?? 0;
        longest = Math.max(longest, predicted ?? 0);
      } else {
        s.series.alive = false;
      }
    }
    wave.sort((a, b) => state.indexOf(a) - state.indexOf(b));
    const results = await simWave(ctx, wave.map((s) => s.item(n)));
    results.forEach(({ run, wallS }, i) => {
      const s = wave[i]!;
      s.series.add(n, wallS);
      ctx.cells.push({ role, run, wallS, ...(s.variant ? { variant: s.variant } : {}) });
      ctx.log(`[${phase}] ${s.name} N=${n}: ${describeRun(run, wallS)}`);
    });
  }
}

function simItem(ctx: Context, scenario: 'boot-storm' | 'agent-chatter', engine: EngineKind, n: number, profile: CostProfile, params?: Readonly<Record<string, number | boolean>>): SimItem {
  const sc = ctx.config.scenarios[scenario];
  return {
    label: `${scenario} ${engine} ${n}`,
    profile,
    plan: plan(ctx.config, scenario, { ...sc.params, ...(params ?? {}) }, n, { kind: 'engine', engine }, { profile: profile.name, durationS: sc.durationS }),
  };
}

async function phaseSimGrid(ctx: Context): Promise<void> {
  // agent-chatter runs a fixed time: its cost grows with the agents' writes, about linearly.
  const series = (['boot-storm', 'agent-chatter'] as const).flatMap((scenario) => ctx.config.engines.map((engine) => ({
    name: `${scenario} ${engine}`,
    item: (n: number) => simItem(ctx, scenario, engine, n, ctx.options.calibrated),
    exponent: scenario === 'agent-chatter' ? 1 : 2,
  })));
  await simSeries(ctx, 'sim grid', 'grid', ctx.config.domains, series);
}

async function phaseMechanismSim(ctx: Context): Promise<void> {
  const m = ctx.config.mechanism;
  const predicted = predictWallS(ctx.cells.filter((c) => c.role === 'grid' && c.run.scenario === 'boot-storm' && c.run.engine === m.engine).map((c) => ({ n: c.run.guests, wallS: c.wallS })), m.domains);
  // The libxl variant runs here with the census while the others run on the pool.
  if (!ctx.budget.fits(`boot-storm ${m.engine} variants`, null, m.domains, predicted === null ? null : predicted * 2)) return;
  const census = new ConflictCensus();
  const item = simItem(ctx, 'boot-storm', m.engine, m.domains, ctx.options.calibrated);
  const others = m.variants.slice(1);
  const t0 = ctx.now();
  const [results, run] = await Promise.all([
    simWave(ctx, others.map((v) => simItem(ctx, 'boot-storm', m.engine, m.domains, ctx.options.calibrated, v.params))),
    runSimulated(item.plan, item.profile, undefined, { wrapEngine: (engine) => census.wrap(engine) }),
  ]);
  const wallS = ctx.now() - t0;
  ctx.census = census.entries();
  // The same cell as the grid's (same plan): kept once.
  if (!ctx.cells.some((c) => c.run.key === run.key)) ctx.cells.push({ role: 'mechanism', variant: m.variants[0]!.id, run, wallS });
  ctx.log(`[mechanism (sim)] census of ${census.total} refused commits: ${ctx.census.map((e) => `${e.node} ${e.conflicts}`).join(', ') || 'none'}`);
  results.forEach(({ run: r, wallS: w }, i) => {
    ctx.cells.push({ role: 'mechanism', variant: others[i]!.id, run: r, wallS: w });
    ctx.log(`[mechanism (sim)] ${others[i]!.label}: ${describeRun(r, w)}`);
  });
}

async function phaseReplay2016(ctx: Context): Promise<void> {
  const r = ctx.config.replay2016;
  const series = r.engines.map((engine) => ({
    name: `boot-storm shutdown ${engine}`,
    item: (n: number) => simItem(ctx, 'boot-storm', engine, n, ctx.options.calibrated, r.params),
  }));
  await simSeries(ctx, '2016 replay (sim)', 'replay2016', r.domains, series);
}

function socketTarget(daemon: RealDaemon): Target {
  return { kind: 'socket', path: daemon.socket, label: daemon.name };
}

/**
 * One real-time run; failures are recorded and end the series (null). The
 * daemon's time spent runnable but waiting for a CPU during the run goes
 * into the run's `extra` (`today.daemonWaitMs`, with `today.daemonCpuMs`):
 * on a quiet machine it is near 0, and it says how much other jobs slowed
 * the daemon.
 */
async function realRun(ctx: Context, phase: Phase, p: RunPlan, note: string, daemon: RealDaemon): Promise<{ run: RunResult; wallS: number; load1: number } | null> {
  const t0 = ctx.now();
  try {
    const before = readSchedstat(daemon.pid);
    const measured = await createRealDriver().run(p);
    const after = readSchedstat(daemon.pid);
    const wallS = ctx.now() - t0;
    const load1 = os.loadavg()[0]!;
    const run: RunResult = before && after
      ? { ...measured, extra: { ...measured.extra, 'today.daemonCpuMs': (after.cpuNs - before.cpuNs) / 1e6, 'today.daemonWaitMs': (after.waitNs - before.waitNs) / 1e6 } }
      : measured;
    const wait = run.extra?.['today.daemonWaitMs'];
    ctx.log(`[${phase}] ${note}: ${describeRun(run, wallS)}, load ${load1.toFixed(2)}${wait !== undefined ? `, daemon waited ${(wait / 1000).toFixed(2)} s for a CPU` : ''}`);
    return { run, wallS, load1 };
  } catch (error) {
    const message = `${phase}: ${note} failed: ${(error as Error).message.split('\n')[0]}`;
    ctx.failures.push(message);
    ctx.log(`[${phase}] ${message}`);
    return null;
  }
}

/** Starts the real daemons for a phase, runs `body`, stops them whatever happens. */
async function withDaemons<T>(ctx: Context, phase: Phase, names: readonly RealDaemonName[], body: (daemons: Map<RealDaemonName, RealDaemon>) => Promise<T>): Promise<T | undefined> {
  const daemons = new Map<RealDaemonName, RealDaemon>();
  try {
    for (const name of names) daemons.set(name, startRealDaemon(name));
    return await body(daemons);
  } catch (error) {
    const message = `${phase}: ${(error as Error).message.split('\n')[0]}`;
    ctx.failures.push(message);
    ctx.log(`[${phase}] ${message}`);
    return undefined;
  } finally {
    for (const d of daemons.values()) d.stop();
  }
}

/**
 * Real-time cells of one series at growing counts: each count gets up to
 * `reps` repetitions while they fit (a repetition is predicted to cost
 * what the series' previous count cost per repetition, grown as a power law).
 */
async function realSeries(ctx: Context, phase: Phase, role: CellRole, s: Series, n: number, reps: number, daemon: RealDaemon, make: (rep: number) => RunPlan, variant?: string): Promise<void> {
  if (!s.alive) return;
  let spent = 0;
  let done = 0;
  for (let rep = 0; rep < reps; rep++) {
    // A further repetition only where it fits (fewer repetitions are not a stop of the series).
    if (done > 0 && spent / done > ctx.budget.leftS()) break;
    if (done === 0 && !ctx.budget.fits(s.name, s.reached, n, predictWallS(s.points, n, s.exponent))) {
      s.alive = false;
      break;
    }
    const result = await realRun(ctx, phase, make(rep), `${s.name} N=${n}${reps > 1 ? ` rep ${rep + 1}` : ''}`, daemon);
    if (!result) {
      s.alive = false;
      break;
    }
    spent += result.wallS;
    done++;
    ctx.cells.push({ role, run: result.run, wallS: result.wallS, load1: result.load1, ...(variant ? { variant } : {}) });
  }
  if (done > 0) s.add(n, spent / done);
}

async function phaseRealGrid(ctx: Context): Promise<void> {
  const names = ctx.config.daemons.map((d) => d.daemon);
  await withDaemons(ctx, 'real daemons', names, async (daemons) => {
    const series = new Map<string, Series>();
    for (const n of ctx.config.domains) {
      for (const scenario of ['boot-storm', 'agent-chatter'] as const) {
        for (const name of names) {
          const key = `${scenario} ${name}`;
          // agent-chatter runs a fixed time: its cost grows with the agents, about linearly.
          const s = series.get(key) ?? new Series(key, scenario === 'agent-chatter' ? 1 : 2);
          series.set(key, s);
          const sc = ctx.config.scenarios[scenario];
          const daemon = daemons.get(name)!;
          await realSeries(ctx, 'real daemons', 'grid', s, n, ctx.config.realReps[scenario], daemon,
            (rep) => plan(ctx.config, scenario, sc.params, n, socketTarget(daemon), { rep, durationS: sc.durationS }));
        }
      }
    }
  });
}

async function phaseMechanismReal(ctx: Context): Promise<void> {
  const m = ctx.config.mechanism;
  await withDaemons(ctx, 'mechanism (real)', [m.daemon], async (daemons) => {
    const daemon = daemons.get(m.daemon)!;
    const target = socketTarget(daemon);
    const sc = ctx.config.scenarios['boot-storm'];
    const gridHas = ctx.cells.some((c) => c.role === 'grid' && c.run.driver === 'real' && c.run.scenario === 'boot-storm' && c.run.engine === `socket:${m.daemon}` && c.run.guests === m.domains);
    for (const v of m.variants) {
      if (v.id === m.variants[0]!.id && gridHas) continue;
      const s = new Series(`boot-storm ${m.daemon} ${v.id}`);
      const seed = ctx.cells.filter((c) => c.role === 'grid' && c.run.driver === 'real' && c.run.scenario === 'boot-storm' && c.run.engine === `socket:${m.daemon}`);
      for (const c of seed) s.points.push({ n: c.run.guests, wallS: c.wallS });
      await realSeries(ctx, 'mechanism (real)', 'mechanism', s, m.domains, 1, daemon, (rep) => plan(ctx.config, 'boot-storm', { ...sc.params, ...v.params }, m.domains, target, { rep, durationS: sc.durationS }), v.id);
    }
  });
}

async function phaseDaemonProfiles(ctx: Context): Promise<void> {
  for (const { daemon, model } of ctx.config.daemons) {
    if (!isRealDaemonModel(model)) {
      ctx.failures.push(`real-daemon profiles: ${model} does not model a real daemon (tdb-pernode or trie-replay)`);
      continue;
    }
    // A quick calibration takes about 5 s on a 2-vCPU machine.
    if (!ctx.budget.fits(`calibrate ${daemon}`, null, 0, 10)) continue;
    await withDaemons(ctx, 'real-daemon profiles', [daemon], async (daemons) => {
      const t0 = ctx.now();
      const calibration = await calibrateSocket({ socketPath: daemons.get(daemon)!.socket, label: daemon, engine: model, quick: true });
      ctx.daemonProfiles.push({ daemon, calibration });
      ctx.log(`[real-daemon profiles] ${daemon} priced from its socket for ${model} (${(ctx.now() - t0).toFixed(1)} s): ${calibration.profile.sources.find((s) => s.id === 'pipeline')?.fact ?? ''}`);
    });
  }
  const { minDomains, maxDomains } = ctx.config.check;
  const series = ctx.daemonProfiles.map(({ daemon, calibration }) => {
    const model = calibration.engine;
    const realNs = [...new Set(ctx.cells.filter((c) => c.role === 'grid' && c.run.driver === 'real' && c.run.scenario === 'boot-storm' && c.run.engine === `socket:${daemon}`).map((c) => c.run.guests))];
    return { daemon, model, profile: calibration.profile, checkNs: realNs.filter((n) => n >= minDomains && n <= maxDomains).sort((a, b) => a - b) };
  });
  const checkNs = [...new Set(series.flatMap((s) => s.checkNs))].sort((a, b) => a - b);
  await simSeries(ctx, 'real-daemon profiles', 'check', checkNs, series.map((s) => ({
    name: `boot-storm ${s.model} priced as ${s.daemon}`,
    item: (n: number) => simItem(ctx, 'boot-storm', s.model, n, s.profile),
  })).filter((_, i) => series[i]!.checkNs.length > 0));
  // Extrapolation: the same series beyond what this machine ran for real.
  const extrapolated = series.map((s) => {
    const done = new Series(`boot-storm ${s.model} priced as ${s.daemon} (extrapolation)`);
    for (const c of ctx.cells) if (c.role === 'check' && c.run.profile === s.profile.name) done.add(c.run.guests, c.wallS);
    return { ...s, done };
  });
  for (const n of ctx.config.extrapolation.domains) {
    const wave = extrapolated.filter((s) => s.done.alive && ctx.budget.fits(s.done.name, s.done.reached, n, predictWallS(s.done.points, n)));
    for (const s of extrapolated) if (!wave.includes(s)) s.done.alive = false;
    const results = await simWave(ctx, wave.map((s) => simItem(ctx, 'boot-storm', s.model, n, s.profile)));
    results.forEach(({ run, wallS }, i) => {
      wave[i]!.done.add(n, wallS);
      ctx.cells.push({ role: 'extrapolation', run, wallS });
      ctx.log(`[real-daemon profiles] ${wave[i]!.done.name} N=${n}: ${describeRun(run, wallS)}`);
    });
  }
}

/** Runs the bench's phases within the budget and returns what was measured. */
export async function runToday(options: RunTodayOptions): Promise<TodayMeasurements> {
  const now = options.now ?? defaultNow;
  const config = options.config;
  const shares = options.realDaemons.used ? config.shares.withRealDaemons : config.shares.simOnly;
  const budget = new Budget(options.budgetS, shares, now);
  const ctx: Context = { options, config, budget, now, cells: [], failures: [], log: options.log, census: [], daemonProfiles: [] };
  const before = os.loadavg();
  const phases: Array<[Phase, (c: Context) => Promise<void>]> = [
    ['sim grid', phaseSimGrid],
    ['mechanism (sim)', phaseMechanismSim],
    ['2016 replay (sim)', phaseReplay2016],
  ];
  if (options.realDaemons.used) {
    phases.push(['real daemons', phaseRealGrid], ['mechanism (real)', phaseMechanismReal], ['real-daemon profiles', phaseDaemonProfiles]);
  }
  for (const [phase, run] of phases) {
    budget.begin(phase);
    options.log(`[${phase}] budget ${budget.leftS().toFixed(0)} s`);
    await run(ctx);
    budget.end();
  }
  for (const stop of budget.stops) options.log(describeStop(stop));
  return { cells: ctx.cells, census: ctx.census, daemonProfiles: ctx.daemonProfiles, budget, realDaemons: options.realDaemons, failures: ctx.failures, load: { before, after: os.loadavg() } };
}
