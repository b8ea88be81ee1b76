/**
 * `xstorm bench`: the paper, reproduced in one command, as the paper
 * measured it (FACTS.md §1 and §7). Embedded defaults (one place):
 *
 * - §7.1 on every engine with the `xen-2009` profile: 128 clients × 500
 *   transactions on the flat store of a run without a hypervisor, each
 *   client with its think time; run to a cap, transactions still waiting
 *   at the cap are censored (their delay is at least their wait so far).
 *   The paper's "300" is compared with transaction-end replies per second
 *   (attempts; see {@link PAPER}), commits, delays and fairness beside it.
 * - §7.3 on every engine with `xen-2009` and the 2009 XenServer toolstack
 *   (`xapi-2009`): the central prediction.
 * - The band: §7.3 at each end of every unknown the sources leave open —
 *   the profile's variants (TDB copy bandwidth within what §7.1 allows, the
 *   C daemon's request path, §7.1's layout; each refitted to §7.1 by
 *   runner/cost/fit-xen-2009.ts) and the toolstack (libxl 4.4's traffic
 *   instead of xapi's). The headline reports the tdb knee and the trie/tdb
 *   ratio as central [low – high].
 * - §7.3 with this machine's calibrated costs.
 *
 * "Max sustained guests" for paper-7.3 (defined from the scenario's SLO,
 * "every guest started within the cap"): the number of guests the toolstack
 * started within the cap in the run with the experiment's 160 guests. The
 * toolstack starts guests one after another, so the first k starts of that
 * run are the run with k guests (up to the waiting guests' start polls): a
 * run with k guests meets the SLO exactly when the k-th start falls within
 * the cap. With all 160 started it is a lower bound (160 is the size of the
 * experiment, not a ceiling). The tdb "knee" is tdb's max sustained guests.
 */
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EngineKind } from '../../engines/index.ts';
import type { Headline, KneeCurve, RunResult } from '../../reports/schema.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import type { ParamValue } from '../../scenarios/types.ts';
import type { CostProfile } from '../cost/schema.ts';
import { applyVariant, VARIANT_SEPARATOR } from '../cost/variants.ts';
import type { RunPlan } from '../types.ts';
import { runSimulated } from './driver.ts';

/** What an item of the bench is for. */
export type BenchRole =
  | { readonly kind: 'p71' }
  | { readonly kind: 'p73' }
  /** One end of one unknown of the band (tdb, and trie where the end changes trie's run too). */
  | { readonly kind: 'band'; readonly end: BandEnd };

/** One run of the bench. */
export interface BenchItem {
  readonly label: string;
  readonly plan: RunPlan;
  readonly profile: CostProfile;
  readonly role: BenchRole;
}

/** What the pool needs of an item (other benches, e.g. runner/today, run their own items on it). */
export type SimItem = Pick<BenchItem, 'label' | 'plan' | 'profile'>;

/** The paper's figures, printed beside ours. */
export const PAPER = {
  '7.1': {
    tdb: 300,
    trie: 700,
    tdbMeanDelayS: 10,
    tdbMaxDelayS: 720,
    note: '128 clients x 500 transactions: cxenstored ~300, oxenstored ~700 per second; cxenstored\'s average delay > 10 s, worst > 12 min',
    reading: 'The paper\'s per-second figures are compared with transaction-end replies per second (attempts: OK and EAGAIN). With the paper\'s own delays (average > 10 s over 128 clients, worst > 12 min), 300 successful commits/s is impossible (Little\'s law: at most 12.8/s); for oxenstored, which almost never aborts, attempts and commits coincide (FACTS.md section 7).',
  },
  '7.3': {
    tdb: { startedWithinCap: '< 70 (never starts the 70th)', livelockNear: 40, note: '~2 s per guest up to ~30, livelocks near 40' },
    trie: { startedWithinCap: '160 (all, in < 6 min)', livelockNear: null, note: 'linear ~2 s per guest' },
  },
} as const;

/** One end of one unknown of the band. */
export interface BandEnd {
  /** The unknown (`copy-bandwidth`, `request-base`, `layout`, `toolstack`). */
  readonly unknown: string;
  /** Unique id of the end (a profile variant's id, or `libxl-toolstack`). */
  readonly id: string;
  readonly label: string;
  /** The profile variant of this end, if it is one. */
  readonly variant?: string;
  /** paper-7.3 parameters of this end (e.g. the toolstack). */
  readonly p73Params?: Readonly<Record<string, ParamValue>>;
  /** Whether trie's run differs at this end (else the central trie run is used). */
  readonly trieDiffers: boolean;
}

/** The ends of the band for a profile: its variants (they change tdb's prices only) and the toolstack. */
export function bandEnds(profile: CostProfile): BandEnd[] {
  const ends: BandEnd[] = (profile.variants ?? []).map((v) => ({ unknown: v.unknown, id: v.id, label: v.label, variant: v.id, trieDiffers: v.engines['trie'] !== undefined }));
  ends.push({
    unknown: 'toolstack',
    id: 'libxl-toolstack',
    label: 'libxl 4.4\'s traffic (name check over every domain, a console transaction) instead of xapi 2009\'s',
    p73Params: TOOLSTACK_PARAMS['libxl-4.4'],
    trieDiffers: true,
  });
  return ends;
}

/**
 * paper-7.3 parameters per toolstack: the toolstack's time outside xenstore
 * per guest is 2 s, the paper's uncontended ~2 s per guest (an input of
 * the workload: the experiment's arrival rate, not a cost of either store).
 * xapi spends 2 × 100 ms of it waiting for the hotplug scripts.
 */
export const TOOLSTACK_PARAMS = {
  'xapi-2009': { toolstack: 'xapi-2009', buildMs: 1800, hotplugMs: 100 },
  'libxl-4.4': { toolstack: 'libxl-4.4', buildMs: 2000 },
} as const satisfies Record<string, Record<string, ParamValue>>;

/** Embedded defaults of the full and the CI bench. */
export const BENCH_DEFAULTS = {
  full: {
    seed: 1,
    /**
     * The whole experiment, as in the paper: 128 × 500 transactions take
     * 91 s at 700 commits/s and the run ends when every client is done.
     * The C daemon's run would take hours of simulated time at a few
     * commits/s: it stops at the cap (800 s, past the paper's worst delay
     * of 12 min), and what still waits there is censored.
     */
    p71: { clients: 128, transactions: 500, capS: 800 },
    p73: { guests: 160, params: TOOLSTACK_PARAMS['xapi-2009'] as Record<string, ParamValue> },
    band: true,
  },
  ci: {
    seed: 1,
    p71: { clients: 32, transactions: 500, capS: 4 },
    p73: { guests: 60, params: { ...TOOLSTACK_PARAMS['xapi-2009'], timeScale: 0.25, capS: 600 } as Record<string, ParamValue> },
    band: true,
  },
} as const;

/** Builds the run list. `modern` engines are added only if given (their factories may still be ENOSYS). */
export function benchItems(ci: boolean, xen: CostProfile, calibrated: CostProfile | undefined, modern: readonly EngineKind[]): BenchItem[] {
  const d = ci ? BENCH_DEFAULTS.ci : BENCH_DEFAULTS.full;
  const items: BenchItem[] = [];
  const p71 = getScenario('paper-7.1');
  const p73 = getScenario('paper-7.3');
  const p73Plan = (extra: Readonly<Record<string, ParamValue>> = {}) => {
    const params = validateParams(p73, { ...d.p73.params, ...extra });
    return { params, durationS: p73.durationS ? p73.durationS(params) : p73.defaultDurationS };
  };
  const add = (label: string, role: BenchRole, scenario: string, params: RunPlan['params'], guests: number, durationS: number, engine: EngineKind, profile: CostProfile) => {
    items.push({ label, role, profile, plan: { scenario, params, guests, seed: d.seed, durationS, target: { kind: 'engine', engine }, rep: 0, profile: profile.name } });
  };
  // The 2009 pair, then today's daemons' models where the profile prices them (issue 8: what each fix bought).
  const engines: EngineKind[] = ['tdb', 'trie', ...modern.filter((engine) => xen.engines[engine] !== undefined)];
  const p71Params = validateParams(p71, { transactions: d.p71.transactions });
  for (const engine of engines) add(`§7.1 ${engine} ${xen.name}`, { kind: 'p71' }, 'paper-7.1', p71Params, d.p71.clients, d.p71.capS, engine, xen);
  const central = p73Plan();
  for (const engine of engines) add(`§7.3 ${engine} ${xen.name}`, { kind: 'p73' }, 'paper-7.3', central.params, d.p73.guests, central.durationS, engine, xen);
  if (d.band) {
    for (const end of bandEnds(xen)) {
      const profile = end.variant ? applyVariant(xen, end.variant) : xen;
      const plan = p73Plan(end.p73Params);
      for (const engine of end.trieDiffers ? (['tdb', 'trie'] as const) : (['tdb'] as const)) {
        add(`§7.3 band ${end.id} ${engine}`, { kind: 'band', end }, 'paper-7.3', plan.params, d.p73.guests, plan.durationS, engine, profile);
      }
    }
  }
  if (calibrated) {
    for (const engine of ['tdb', 'trie', ...modern] as EngineKind[]) {
      if (calibrated.engines[engine]) add(`§7.3 ${engine} ${calibrated.name}`, { kind: 'p73' }, 'paper-7.3', central.params, d.p73.guests, central.durationS, engine, calibrated);
    }
  }
  return items;
}

/**
 * Runs the items on a pool of worker threads (default: one per core; each
 * run is single-threaded and independent, so results do not depend on the
 * pool size). Progress is the mean of the items' fractions.
 */
export async function runBench(items: readonly SimItem[], onProgress?: (fraction: number, note: string) => void, threads = os.availableParallelism()): Promise<RunResult[]> {
  const size = Math.max(1, Math.min(threads, items.length));
  if (size === 1) return runBenchInline(items, onProgress);
  const bootstrap = fileURLToPath(new URL('../worker-bootstrap.js', import.meta.url));
  const module = new URL('./bench-worker.ts', import.meta.url).href;
  const results: (RunResult | undefined)[] = new Array(items.length);
  const fractions = new Array<number>(items.length).fill(0);
  // Longest first (the §7.1 runs at the cap and the tdb §7.3 runs), so the pool does not end on one long run.
  const order = items.map((_, i) => i).sort((a, b) => expectedWork(items[b]!) - expectedWork(items[a]!) || a - b);
  let next = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const feed = (worker: Worker) => {
        if (next >= order.length) {
          worker.postMessage({ type: 'exit' });
          return;
        }
        const index = order[next++]!;
        worker.postMessage({ type: 'run', index, plan: items[index]!.plan, profile: items[index]!.profile });
      };
      for (let w = 0; w < size; w++) {
        const worker = new Worker(bootstrap, { workerData: { __module: module } });
        workers.push(worker);
        worker.on('message', (msg: { type: string; index: number; fraction?: number; note?: string; result?: RunResult; message?: string }) => {
          if (msg.type === 'progress') {
            fractions[msg.index] = msg.fraction!;
            onProgress?.(fractions.reduce((a, b) => a + b, 0) / items.length, `${items[msg.index]!.label}: ${msg.note}`);
          } else if (msg.type === 'result') {
            results[msg.index] = msg.result!;
            fractions[msg.index] = 1;
            if (++done === items.length) resolve();
            else feed(worker);
          } else if (msg.type === 'error') {
            reject(new Error(`bench run "${items[msg.index]!.label}" failed in a worker:\n${msg.message}`));
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0 && done < items.length) reject(new Error(`a bench worker exited with code ${code}`));
        });
        feed(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  onProgress?.(1, 'done');
  return results as RunResult[];
}

/** A rough ordering key for scheduling: tdb runs of many guests for long are the slow ones. */
function expectedWork(item: SimItem): number {
  const engine = item.plan.target.kind === 'engine' ? item.plan.target.engine : '';
  return item.plan.guests * item.plan.durationS * (engine === 'tdb' ? 4 : 1);
}

/** Runs the items one after another in this thread; progress is (item index + fraction) / count. */
export async function runBenchInline(items: readonly SimItem[], onProgress?: (fraction: number, note: string) => void): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    onProgress?.(i / items.length, item.label);
    results.push(await runSimulated(item.plan, item.profile, (f, note) => onProgress?.((i + f) / items.length, `${item.label}: ${note}`)));
  }
  onProgress?.(1, 'done');
  return results;
}

/** What paper-7.3 showed for one engine under one profile. */
export interface StartFigures {
  readonly engine: string;
  readonly profile: string;
  readonly guests: number;
  /** Guests started within the cap. */
  readonly started: number;
  /** Time of the last start (s), null if none. */
  readonly lastStartS: number | null;
  /** = started (see the module comment). */
  readonly maxSustainedGuests: number;
  /** The guest whose start never completed within the cap (started + 1), null if all started. */
  readonly livelockedAt: number | null;
  readonly sustained: boolean;
  readonly livelockedClasses: readonly string[];
  readonly abortRate: number;
}

/** paper-7.3 figures of a run. */
export function startFigures(run: RunResult): StartFigures {
  const started = run.guestStarts?.length ?? 0;
  return {
    engine: run.engine,
    profile: run.profile ?? 'real',
    guests: run.guests,
    started,
    lastStartS: started ? run.guestStarts![started - 1]!.timeS : null,
    maxSustainedGuests: started,
    livelockedAt: started < run.guests ? started + 1 : null,
    sustained: run.sustained,
    livelockedClasses: run.livelockedClasses,
    abortRate: run.abortRate,
  };
}

/**
 * What paper-7.1 showed for one engine, in the paper's terms: attempts
 * (transaction-end replies, OK or EAGAIN) and successful commits per
 * second, the abort rate, the delay of a transaction from its first
 * attempt to its commit, and how fairly the clients were served.
 * Transactions still waiting when the run stopped at its cap are counted
 * at their wait so far (`delayCensored`: the delays are then lower bounds).
 */
export interface P71Figures {
  readonly attemptsPerS: number;
  readonly commitsPerS: number;
  readonly abortRate: number;
  readonly meanDelayS: number;
  readonly p99DelayS: number;
  readonly maxDelayS: number;
  /** Transactions still waiting at the end (their delays are lower bounds). */
  readonly censoredTxns: number;
  readonly delayCensored: boolean;
  readonly clientsFinished: number;
  readonly clients: number;
  readonly commitsPerClient: { readonly min: number; readonly max: number };
  readonly durationS: number;
  /** The run stopped at its cap before every client finished. */
  readonly endedAtCap: boolean;
}

/** paper-7.1 figures of a run. */
export function p71Figures(run: RunResult): P71Figures {
  const delays = run.latencyWithOpen ?? run.latency;
  const clientsFinished = run.extra?.['clientsFinished'] ?? 0;
  return {
    attemptsPerS: run.durationS > 0 ? (run.commits + run.eagain) / run.durationS : 0,
    commitsPerS: run.durationS > 0 ? run.commits / run.durationS : 0,
    abortRate: run.abortRate,
    meanDelayS: delays.mean / 1000,
    p99DelayS: delays.p99 / 1000,
    maxDelayS: delays.max / 1000,
    censoredTxns: run.openTxns?.count ?? 0,
    delayCensored: run.latencyWithOpen !== undefined,
    clientsFinished,
    clients: run.guests,
    commitsPerClient: { min: run.fairness.minCommits, max: run.fairness.maxCommits },
    durationS: run.durationS,
    endedAtCap: clientsFinished < run.guests,
  };
}

/** Figures of one end of the band. */
export interface BandEndFigures extends BandEnd {
  /** tdb's max sustained guests at this end. */
  readonly tdbKnee: number;
  readonly trieStarted: number;
  /** trie/tdb at this end (null when tdb started none). */
  readonly ratio: number | null;
  /** The TDB copy price at this end (µs per byte) and its bandwidth (MB/s). */
  readonly copyUsPerByte: number | null;
  readonly tdbRunKey: string;
  readonly trieRunKey: string;
}

/** The band: central estimate and [low, high] over every end of every unknown. */
export interface Band {
  readonly ratio: { readonly low: number | null; readonly high: number | null; readonly central: number | null };
  readonly tdbKnee: { readonly low: number; readonly high: number; readonly central: number };
  readonly ends: readonly BandEndFigures[];
  readonly definition: string;
}

const ratioOf = (trie: number, tdb: number) => (tdb > 0 ? trie / tdb : null);

/** Computes the band from the central §7.3 runs and the band runs, or null if a run is missing (e.g. a reduced bench). */
export function computeBand(runs: readonly RunResult[], main: CostProfile): Band | null {
  const p73 = runs.filter((r) => r.scenario === 'paper-7.3');
  const centralParams = p73.find((r) => r.profile === main.name && r.engine === 'tdb')?.params;
  if (!centralParams) return null;
  const sameParams = (r: RunResult, extra: Readonly<Record<string, ParamValue>>) =>
    Object.entries({ ...centralParams, ...extra }).every(([k, v]) => r.params[k] === v);
  const find = (engine: string, profile: string, extra: Readonly<Record<string, ParamValue>> = {}) =>
    p73.find((r) => r.engine === engine && r.profile === profile && sameParams(r, extra));
  const centralTdb = find('tdb', main.name);
  const centralTrie = find('trie', main.name);
  if (!centralTdb || !centralTrie) return null;
  const ends: BandEndFigures[] = [];
  for (const end of bandEnds(main)) {
    const profile = end.variant ? `${main.name}${VARIANT_SEPARATOR}${end.variant}` : main.name;
    const tdb = find('tdb', profile, end.p73Params);
    const trie = end.trieDiffers ? find('trie', profile, end.p73Params) : centralTrie;
    if (!tdb || !trie) return null;
    const copy = end.variant ? main.variants!.find((v) => v.id === end.variant)!.engines['tdb']?.counters?.['bytesCopied'] : undefined;
    const tdbKnee = startFigures(tdb).maxSustainedGuests;
    const trieStarted = startFigures(trie).maxSustainedGuests;
    ends.push({
      ...end,
      tdbKnee,
      trieStarted,
      ratio: ratioOf(trieStarted, tdbKnee),
      copyUsPerByte: copy ?? main.engines['tdb']!.counters['bytesCopied'] ?? null,
      tdbRunKey: tdb.key,
      trieRunKey: trie.key,
    });
  }
  const knees = [startFigures(centralTdb).maxSustainedGuests, ...ends.map((e) => e.tdbKnee)];
  const centralRatio = ratioOf(startFigures(centralTrie).maxSustainedGuests, knees[0]!);
  const ratios = [centralRatio, ...ends.map((e) => e.ratio)].filter((r): r is number => r !== null);
  return {
    ratio: { central: centralRatio, low: ratios.length ? Math.min(...ratios) : null, high: ratios.length ? Math.max(...ratios) : null },
    tdbKnee: { central: knees[0]!, low: Math.min(...knees), high: Math.max(...knees) },
    ends,
    definition: 'each unknown moved to each of its ends, the others central; low/high over the central run and every end. tdbKnee = tdb\'s max sustained guests (guests started within the cap)',
  };
}

/**
 * tdb's knee against the TDB copy bandwidth: the central run and every end
 * of the band that differs from it in the copy price alone (the ends that
 * move the request base or the toolstack do not belong on this axis). The
 * paper's ~40 and the bandwidth fitted to §7.1 are marked.
 */
export function copyKneeCurve(band: Band, main: CostProfile, guests: number): KneeCurve | null {
  const tdb = main.engines['tdb'];
  const centralCopy = tdb?.counters['bytesCopied'];
  if (!tdb || !centralCopy) return null;
  const mbps = (usPerByte: number) => Number((1 / usPerByte).toFixed(2));
  const points = [{ x: mbps(centralCopy), y: band.tdbKnee.central }];
  for (const end of band.ends) {
    const variant = main.variants?.find((v) => v.id === end.variant);
    const override = variant?.engines['tdb'];
    const copyOnly = variant !== undefined && Object.keys(variant.engines).length === 1 && (override?.requestBaseUs ?? tdb.requestBaseUs) === tdb.requestBaseUs;
    if (copyOnly && end.copyUsPerByte) points.push({ x: mbps(end.copyUsPerByte), y: end.tdbKnee });
  }
  points.sort((a, b) => a.x - b.x);
  return {
    id: 'tdb-copy-bandwidth',
    parameter: 'TDB copy bandwidth',
    title: 'paper-7.3: tdb\'s knee vs the TDB copy bandwidth',
    subtitle: `simulated, ${main.name}; each copy price fitted to §7.1, the rest central`,
    unit: 'MB/s',
    yLabel: 'tdb: guests started in 20 min',
    series: [{ engine: 'tdb', label: `tdb · ${main.name} (§7.3)`, points }],
    reference: { y: PAPER['7.3'].tdb.livelockNear, label: 'paper: livelock near 40' },
    setting: { x: mbps(centralCopy), label: 'fitted to §7.1' },
    top: guests,
  };
}

/** The bench headline: paper-7.3 max sustained guests per engine (main profile), ratio trie/tdb, the band, §7.1 in the paper's terms, every profile's figures. */
export function benchHeadline(runs: readonly RunResult[], main: CostProfile): Headline {
  const p73 = runs.filter((r) => r.scenario === 'paper-7.3');
  const central = p73.filter((r) => r.profile === main.name);
  const centralParams = central.find((r) => r.engine === 'tdb')?.params ?? central[0]?.params;
  const isCentral = (r: RunResult) => centralParams !== undefined && Object.entries(centralParams).every(([k, v]) => r.params[k] === v);
  const maxSustainedGuests: Record<string, number | null> = {};
  for (const r of central.filter(isCentral)) maxSustainedGuests[r.engine] = startFigures(r).maxSustainedGuests;
  const tdb = maxSustainedGuests['tdb'];
  const trie = maxSustainedGuests['trie'];
  const byProfile: Record<string, Record<string, StartFigures>> = {};
  for (const r of p73.filter(isCentral)) (byProfile[r.profile ?? 'real'] ??= {})[r.engine] = startFigures(r);
  const paper71: Record<string, P71Figures> = {};
  for (const r of runs.filter((x) => x.scenario === 'paper-7.1' && x.profile === main.name)) paper71[r.engine] = p71Figures(r);
  const band = computeBand(runs, main);
  const knee = band ? copyKneeCurve(band, main, central.find((r) => r.engine === 'tdb')?.guests ?? 160) : null;
  return {
    maxSustainedGuests,
    ratio: tdb != null && trie != null && tdb > 0 ? trie / tdb : null,
    scenario: 'paper-7.3',
    profile: main.name,
    definition: 'paper-7.3 max sustained guests = guests started within the cap in the 160-guest run (the k-guest run meets the SLO "every guest started within the cap" iff the k-th start is within the cap)',
    ...(band ? { band } : {}),
    ...(knee ? { kneeCurves: [knee] } : {}),
    paper73: byProfile,
    paper71,
    paper71Reading: PAPER['7.1'].reading,
    paper: PAPER,
  };
}
