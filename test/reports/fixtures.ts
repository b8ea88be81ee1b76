/**
 * Hand-built, realistic results files for the reports tests (until real
 * sweeps exist): the four engines on a short-txn guest sweep, the paper's
 * §7.3 boot experiment with per-guest start times, and big-store over store
 * sizes. Numbers follow the shapes of FACTS.md (tdb collapses past ~40
 * guests and never starts the 70th; trie starts all 160 in under 6 min).
 */
import type { LatencySummary, ResultsFile, RunResult } from '../../reports/schema.ts';
import { computeHeadline } from '../../reports/headline.ts';

export const ENGINES = ['tdb', 'trie', 'tdb-pernode', 'trie-replay'] as const;
export const GUESTS = [1, 10, 20, 40, 80, 120, 160] as const;
export const STORE_NODES = [1000, 10000, 100000] as const;

/** Rounds to 6 significant decimals so fixture numbers serialize short and exact. */
const r = (x: number): number => Math.round(x * 1e6) / 1e6;

function latency(count: number, p50: number, p99: number): LatencySummary {
  return { count, mean: r(p50 * 1.2), p50: r(p50), p90: r((p50 + p99) / 2), p99: r(p99), p999: r(p99 * 1.5), max: r(p99 * 2) };
}

/** Options of {@link makeRun}: what varies between runs. */
export interface RunShape {
  scenario: string;
  engine: string;
  guests: number;
  rep?: number;
  driver?: 'sim' | 'real';
  params?: Record<string, string | number | boolean>;
  durationS?: number;
  /** Committed transactions per second. */
  goodput: number;
  abortRate: number;
  p50Ms: number;
  p99Ms: number;
  sustained: boolean;
  livelocked?: boolean;
  extra?: Record<string, number>;
  guestStarts?: Array<{ guest: number; timeS: number }>;
  seed?: number;
}

/** A full, schema-valid RunResult whose figures are consistent with each other. */
export function makeRun(shape: RunShape): RunResult {
  const durationS = shape.durationS ?? 60;
  const rep = shape.rep ?? 0;
  const driver = shape.driver ?? 'sim';
  const commits = Math.round(shape.goodput * durationS);
  const eagain = shape.abortRate >= 1 ? commits : Math.round((commits * shape.abortRate) / (1 - shape.abortRate));
  const attempts = commits + eagain;
  const abortRate = attempts === 0 ? 0 : r(eagain / attempts);
  const retriesMean = commits === 0 ? 0 : r(eagain / commits);
  const paramText = Object.entries(shape.params ?? {}).map(([k, v]) => `${k}=${v}/`).join('');
  const livelocked = shape.livelocked ?? false;
  const run: RunResult = {
    key: `${shape.scenario}/${paramText}${shape.engine}/g${shape.guests}/r${rep}`,
    scenario: shape.scenario,
    engine: shape.engine,
    target: shape.engine.startsWith('socket:') ? `socket:/tmp/xs/${shape.engine.slice(7)}` : 'engine',
    driver,
    profile: driver === 'sim' ? 'xen-2009' : null,
    guests: shape.guests,
    rep,
    seed: shape.seed ?? 42 + rep,
    params: shape.params ?? {},
    durationS,
    requests: attempts * 3,
    commits,
    eagain,
    otherErrors: 0,
    logicalTxns: commits,
    goodput: r(commits / durationS),
    throughput: r((attempts * 3) / durationS),
    abortRate,
    retries: { mean: retriesMean, p99: r(Math.ceil(retriesMean * 4)), max: r(Math.ceil(retriesMean * 9)) },
    latency: latency(commits, shape.p50Ms, shape.p99Ms),
    requestLatency: latency(attempts * 3, r(shape.p50Ms / 4), r(shape.p99Ms / 4)),
    fairness: { minCommits: livelocked ? 0 : Math.floor(commits / Math.max(1, shape.guests) / 2), maxCommits: Math.ceil((commits / Math.max(1, shape.guests)) * 1.5), starved: livelocked ? Math.floor(shape.guests / 2) : 0 },
    livelocked,
    livelockedClasses: livelocked ? ['guest'] : [],
    sustained: shape.sustained,
    slo: { description: 'p99 logical-transaction latency < 1000 ms and no livelock', ok: shape.sustained, detail: `p99 ${r(shape.p99Ms)} ms` },
    engineCounters: { commits, aborts: eagain, bytesCopied: commits * 4096 },
    daemon: { cpuMs: driver === 'real' ? r(durationS * 900) : null, rssBytes: driver === 'real' ? 50_000_000 : null },
  };
  if (shape.guestStarts) run.guestStarts = shape.guestStarts;
  if (shape.extra) run.extra = shape.extra;
  return run;
}

/** short-txn: tdb peaks near 20 guests and livelocks from 80; the others keep committing. */
export function shortTxnRun(engine: string, guests: number, rep = 0, driver: 'sim' | 'real' = 'sim'): RunResult {
  const wobble = driver === 'real' ? 1 + ((rep * 7 + guests) % 5 - 2) / 100 : 1;
  const capacity: Record<string, number> = { tdb: 900, trie: 4200, 'tdb-pernode': 1800, 'trie-replay': 3900 };
  const collapse: Record<string, number> = { tdb: 40, trie: 1e9, 'tdb-pernode': 100, 'trie-replay': 1e9 };
  const offered = guests * 40;
  const cap = capacity[engine] ?? 1000;
  const knee = collapse[engine] ?? 1e9;
  const overload = guests > knee ? (guests - knee) / knee : 0;
  const goodput = Math.min(offered, cap) / (1 + 8 * overload) * wobble;
  const abortRate = Math.min(0.995, (guests / 160) * (cap < 2000 ? 0.3 : 0.02) + 0.6 * Math.min(1, overload));
  const p50 = 1 + guests / 40;
  const p99 = (4 + guests / 8) * (1 + 20 * overload) * wobble;
  const livelocked = overload >= 1;
  return makeRun({
    scenario: 'short-txn', engine, guests, rep, driver, params: { sharedFraction: 0.1 },
    goodput, abortRate, p50Ms: p50, p99Ms: p99, livelocked, sustained: !livelocked && p99 < 1000,
  });
}

/** Cumulative start times (s) of guests 1..started, growing faster as the store fills. */
function starts(started: number, baseS: number, growth: number, knee: number): Array<{ guest: number; timeS: number }> {
  const out: Array<{ guest: number; timeS: number }> = [];
  let t = 0;
  for (let k = 1; k <= started; k++) {
    t += baseS * (1 + growth * k) * (k > knee ? Math.pow(1.12, k - knee) : 1);
    out.push({ guest: k, timeS: r(t) });
  }
  return out;
}

/** paper-7.3: 160 guests started one after another under a 20-minute cap. */
export function paperRun(engine: string): RunResult {
  const shapes: Record<string, { started: number; base: number; growth: number; knee: number; goodput: number; abort: number }> = {
    tdb: { started: 69, base: 2, growth: 0.02, knee: 40, goodput: 35, abort: 0.93 },
    trie: { started: 160, base: 1.6, growth: 0.003, knee: 1000, goodput: 160, abort: 0.004 },
    'tdb-pernode': { started: 160, base: 2, growth: 0.012, knee: 1000, goodput: 120, abort: 0.2 },
    'trie-replay': { started: 160, base: 1.7, growth: 0.004, knee: 1000, goodput: 150, abort: 0.01 },
  };
  const s = shapes[engine]!;
  const guestStarts = starts(s.started, s.base, s.growth, s.knee);
  const all = s.started === 160;
  return makeRun({
    scenario: 'paper-7.3', engine, guests: 160, durationS: 1200, params: { sleepS: 1 },
    goodput: s.goodput, abortRate: s.abort, p50Ms: all ? 3 : 40, p99Ms: all ? 30 : 9000,
    livelocked: !all, sustained: all, guestStarts,
    extra: { guestsStarted: s.started, completionTimeS: guestStarts.at(-1)!.timeS },
  });
}

/** big-store: cost of a transaction versus the number of nodes in the store. */
export function bigStoreRun(engine: string, storeNodes: number): RunResult {
  const copies = engine === 'tdb' || engine === 'tdb-pernode';
  const costPerOpUs = copies ? 20 + storeNodes * (engine === 'tdb' ? 0.35 : 0.05) : 18 + Math.log2(storeNodes) * 1.5;
  return makeRun({
    scenario: 'big-store', engine, guests: 8, params: { storeNodes },
    goodput: 1e6 / costPerOpUs / 3, abortRate: copies ? 0.05 : 0.001, p50Ms: costPerOpUs / 1000 * 3, p99Ms: costPerOpUs / 1000 * 12,
    sustained: true, extra: { storeNodes, costPerOpUs: r(costPerOpUs) },
  });
}

/** Metadata of a fixture file. */
export function fixtureMeta(command: string[] = ['xstorm', 'sweep', '--driver', 'sim']): ResultsFile['meta'] {
  return { xstormVersion: '0.1.0', gitCommit: '0123456789abcdef0123456789abcdef01234567', node: 'v20.20.0', os: 'linux 6.1.0 x64', cpuModel: 'Fixture CPU @ 2.0GHz', cpuCount: 2, command };
}

/** Every run of the full fixture grid, in grid order with `gridIndex` set. */
export function fixtureRuns(): RunResult[] {
  const runs: RunResult[] = [];
  for (const engine of ENGINES) for (const guests of GUESTS) runs.push(shortTxnRun(engine, guests));
  for (const engine of ENGINES) runs.push(paperRun(engine));
  for (const storeNodes of STORE_NODES) for (const engine of ENGINES) runs.push(bigStoreRun(engine, storeNodes));
  return runs.map((run, gridIndex) => ({ ...run, gridIndex }));
}

/** The full simulated sweep: short-txn × 4 engines × 7 guest counts, paper-7.3, big-store. */
export function sweepFixture(): ResultsFile {
  const runs = fixtureRuns();
  return {
    schemaVersion: 1,
    id: 'sweep-fixture',
    kind: 'sweep',
    createdAt: '2026-11-25T10:00:00.000Z',
    meta: fixtureMeta(),
    config: { driver: 'sim', profile: 'xen-2009', seed: 42, engines: [...ENGINES], guests: [...GUESTS] },
    runs,
    headline: { ...computeHeadline(runs), paper: { maxSustainedGuests: { tdb: 40, trie: 160 }, ratio: 4 } },
  };
}

/** A real-driver file: short-txn, tdb and trie, 3 repetitions at 10 and 40 guests. */
export function realFixture(reps = 3): ResultsFile {
  const runs: RunResult[] = [];
  for (const guests of [10, 40]) for (const engine of ['tdb', 'trie']) for (let rep = 0; rep < reps; rep++) runs.push(shortTxnRun(engine, guests, rep, 'real'));
  return {
    schemaVersion: 1, id: 'real-fixture', kind: 'sweep', createdAt: '2026-11-25T11:00:00.000Z',
    meta: fixtureMeta(['xstorm', 'sweep', '--driver', 'real']), config: { driver: 'real' }, runs, headline: computeHeadline(runs),
  };
}

/** A two-run file small enough to check CSV and LaTeX output exactly. */
export function smallFixture(): ResultsFile {
  const runs = [shortTxnRun('tdb', 10), shortTxnRun('trie', 10)];
  return {
    schemaVersion: 1, id: 'small', kind: 'run', createdAt: '2026-11-25T09:00:00.000Z',
    meta: fixtureMeta(['xstorm', 'run']), config: { scenario: 'short-txn' }, runs, headline: computeHeadline(runs),
  };
}

/** paper-7.3 under a profile: the fixture's shapes, with the start pace scaled (a band end or another machine). */
export function paperRunUnder(engine: string, profile: string, pace = 1, started?: number): RunResult {
  const run = paperRun(engine);
  const count = started ?? run.guestStarts!.length;
  const guestStarts = starts(count, 2 * pace, 0.012, engine === 'tdb' && count < 160 ? count - 25 : 1000);
  const all = count === 160;
  return {
    ...run, key: `${run.key}/profile=${profile}`, profile, guestStarts,
    durationS: all ? guestStarts.at(-1)!.timeS : 1200, sustained: all, livelocked: !all, livelockedClasses: all ? [] : ['toolstack'],
    extra: { ...run.extra, guestsStarted: count, completionTimeS: guestStarts.at(-1)!.timeS },
  };
}

/** paper-7.1 at 128 clients: tdb runs into the 100 s cap with 220 of 64,000 transactions, the others finish in ~91 s. */
export function paper71Run(engine: string): RunResult {
  const done = engine !== 'tdb';
  return {
    ...makeRun({
      scenario: 'paper-7.1', engine, guests: 128, durationS: done ? 91.4 + (engine === 'trie-replay' ? 0.3 : 0) : 100, params: { transactions: 500 },
      goodput: done ? 700 : 2.2, abortRate: done ? 0 : 0.992, p50Ms: done ? 150 : 300, p99Ms: done ? 183 : 454, sustained: done, livelocked: !done,
    }),
  };
}

/**
 * A results file shaped like `npm run bench`'s: §7.1 on four engines
 * (xen-2009), §7.3 on four engines under xen-2009 and a calibrated
 * profile, the band's end runs (profile variants `xen-2009~copy-low` and
 * `~copy-high`, and a toolstack end under the central profile) named by
 * `headline.band.ends`, and a headline with the band and a knee curve.
 */
export function benchFixture(): ResultsFile {
  const runs: RunResult[] = [];
  for (const engine of ENGINES) runs.push(paper71Run(engine));
  for (const engine of ENGINES) runs.push(paperRunUnder(engine, 'xen-2009', 1, engine === 'tdb' ? 65 : 160));
  for (const engine of ENGINES) runs.push(paperRunUnder(engine, 'calibrated-fixturehost', 0.95, 160));
  const end = (engine: string, profile: string, pace: number, started: number, params?: Record<string, string | number>) => {
    const run = paperRunUnder(engine, profile, pace, started);
    return params ? { ...run, key: `${run.key}/toolstack=${params.toolstack}`, params: { ...run.params, ...params } } : run;
  };
  // Two ends of the copy price (a profile variant each; copy-high leaves trie alone) and one of the toolstack (the central profile, other parameters).
  const ends = {
    'copy-low': [end('tdb', 'xen-2009~copy-low', 0.9, 160), end('trie', 'xen-2009~copy-low', 0.9, 160)],
    'copy-high': [end('tdb', 'xen-2009~copy-high', 1.2, 44)],
    'libxl-toolstack': [end('tdb', 'xen-2009', 1.1, 52, { toolstack: 'libxl-4.4' }), end('trie', 'xen-2009', 1.1, 160, { toolstack: 'libxl-4.4' })],
  };
  runs.push(...Object.values(ends).flat());
  const centralTrie = runs.find((run) => run.scenario === 'paper-7.3' && run.engine === 'trie' && run.profile === 'xen-2009')!;
  return {
    schemaVersion: 1, id: '20261201-000000-bench-paper', kind: 'bench', createdAt: '2026-12-01T00:00:00.000Z',
    meta: fixtureMeta(['npm', 'run', 'bench']), config: { ci: false },
    runs: runs.map((run, gridIndex) => ({ ...run, gridIndex })),
    headline: {
      maxSustainedGuests: { tdb: 65, trie: 160, 'tdb-pernode': 160, 'trie-replay': 160 },
      ratio: 160 / 65,
      scenario: 'paper-7.3',
      profile: 'xen-2009',
      band: {
        ratio: { central: 160 / 65, low: 1, high: 160 / 44 }, tdbKnee: { central: 65, low: 44, high: 160 },
        ends: Object.entries(ends).map(([id, [tdb, trie]]) => ({ id, tdbRunKey: tdb!.key, trieRunKey: (trie ?? centralTrie).key })),
      },
      kneeCurves: [{
        id: 'copy-price', parameter: 'TDB copy price', unit: 'µs/byte', log: true,
        series: [{ engine: 'tdb', label: 'tdb · xen-2009', points: [{ x: 0.001, y: 160 }, { x: 0.005, y: 120 }, { x: 0.02, y: 65 }, { x: 0.05, y: 44 }] }],
        reference: { y: 40, label: 'paper: livelock near 40' }, setting: { x: 0.02, label: 'xen-2009 profile' }, top: 160,
      }],
    },
  };
}
