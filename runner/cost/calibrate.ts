/**
 * Calibration: measures what each priced quantity costs on THIS machine
 * and writes a profile. For each engine, requests of known kinds (read,
 * write, directory, transaction start, commit, EAGAIN commit, abort, in a
 * small, medium and large store) go through xstorm's real daemon and
 * engine in-process; each kind is timed many times (mean wall time of
 * `processNext()`, preemptions included), and the engine counters' increase per request is
 * recorded. A non-negative least-squares fit of median time against
 * (1, counter increases) gives `requestBaseUs` and the price of each
 * counter: exactly what the simulated driver multiplies. The transport
 * latency is a ping-pong between two threads through a SharedArrayBuffer
 * with Atomics, like the rings of the real-time driver.
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Daemon } from '../../daemon/index.ts';
import { createEngine, ENGINE_KINDS } from '../../engines/index.ts';
import type { Engine, EngineKind } from '../../engines/index.ts';
import { encodeFrame, encodePathValue, encodeStrings } from '../../protocol/codec.ts';
import { XsType } from '../../protocol/wire.ts';
import { nnls } from './nnls.ts';
import { makeScratchDir, removeScratchDir } from '../scratch-dir.ts';
import { createRealDriver } from '../real/index.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import { PROFILE_VERSION, parseProfile } from './schema.ts';
import type { CostProfile, EngineCosts } from './schema.ts';

/** Options of {@link calibrate}. */
export interface CalibrateOptions {
  /** Profile name (default `calibrated-<hostname>`). */
  readonly name?: string;
  /** Engines to measure (default: every engine whose factory works). */
  readonly engines?: readonly EngineKind[];
  /** Timed repetitions per request kind (default 600; `quick` uses 200): rare stalls (GC, preemption) are part of the mean, so it needs many. */
  readonly repetitions?: number;
  readonly quick?: boolean;
  /** Progress (0..1) and a note, for a progress bar. */
  readonly onProgress?: (fraction: number, note: string) => void;
}

/**
 * The machine a calibration measures, as its profile records it (OS, CPU
 * model and count, Node, the load while it was measured): `bench` compares
 * the CPU model and count before it uses a cached profile.
 */
export function thisMachine(): CostProfile['machine'] {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length || null,
    node: process.version,
    notes: `load average at calibration ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  };
}

/** Default profile name for this machine. */
export function defaultCalibratedName(): string {
  return `calibrated-${os.hostname().toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`.slice(0, 60);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One measured request kind: median µs and mean counter increases. */
export interface KindSample {
  readonly kind: string;
  readonly us: number;
  readonly deltas: Record<string, number>;
}

/** A daemon with one dom0 connection whose replies we capture (also the in-process twin of `calibrate --target socket:`). */
export class Harness {
  readonly engine: Engine;
  readonly daemon: Daemon;
  readonly #conn;
  #reqId = 1;
  last: Uint8Array | undefined;

  readonly #dir = makeScratchDir('xstorm-calibrate-');

  constructor(kind: EngineKind) {
    // The same place as the real-time driver's engine (runner/scratch-dir.ts).
    this.engine = createEngine(kind, { dir: this.#dir });
    this.daemon = new Daemon(this.engine);
    this.#conn = this.daemon.connect(0, (frame) => (this.last = frame));
  }

  /** Sends one request and serves it; returns the wall time (µs) of processNext and the reply's type. */
  request(type: number, txId: number, payload: Uint8Array): { us: number; replyType: number; reply: Uint8Array } {
    this.#conn.receive(encodeFrame(type, this.#reqId++, txId, payload));
    const t0 = process.hrtime.bigint();
    this.daemon.processNext();
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    const reply = this.last!;
    return { us, replyType: reply[0]! | (reply[1]! << 8), reply };
  }

  txStart(): number {
    const r = this.request(XsType.TRANSACTION_START, 0, encodeStrings(''));
    return Number(Buffer.from(r.reply.subarray(16)).toString('latin1').replace(/\0.*$/s, ''));
  }

  close(): void {
    this.daemon.close();
    removeScratchDir(this.#dir);
  }
}

/** Populates `domains` guest subtrees of ~12 nodes each (the shape of a running domain's keys). */
function populate(engine: Engine, domains: number): void {
  for (let d = 1; d <= domains; d++) {
    const home = `/local/domain/${d}`;
    engine.write(0, 0, `${home}/name`, `guest-${d}`);
    for (const k of ['vm', 'domid', 'memory/target', 'cpu/0/availability', 'console/ring-ref', 'console/port',
      'device/vbd/768/state', 'device/vif/0/state', 'device/vif/0/mac', 'data/updated', 'control/shutdown']) {
      engine.write(0, 0, `${home}/${k}`, `${k}-${d}`);
    }
  }
}

/** Measures every request kind on one engine at one store size. */
function measureEngine(kind: EngineKind, domains: number, reps: number): KindSample[] {
  const h = new Harness(kind);
  try {
    populate(h.engine, domains);
    const samples: KindSample[] = [];
    const key = '/local/domain/1/data/updated';
    const measure = (name: string, prepare: () => (() => number)) => {
      const times: number[] = [];
      const sums: Record<string, number> = {};
      // a few untimed warm-up rounds, then the timed ones
      for (let i = 0; i < reps + 5; i++) {
        const run = prepare();
        const before = h.engine.counters();
        const us = run();
        const after = h.engine.counters();
        if (i < 5) continue;
        times.push(us);
        for (const c of Object.keys(after)) sums[c] = (sums[c] ?? 0) + (after[c]! - (before[c] ?? 0));
      }
      const deltas: Record<string, number> = {};
      for (const [c, s] of Object.entries(sums)) deltas[c] = s / reps;
      // The mean, not the median: on a shared machine the daemon loses its CPU
      // now and then, and the real-time driver pays for that too.
      samples.push({ kind: `${name}@${domains}`, us: times.reduce((a, b) => a + b, 0) / times.length, deltas });
    };
    measure('read', () => () => h.request(XsType.READ, 0, encodeStrings(key)).us);
    measure('write', () => () => h.request(XsType.WRITE, 0, encodePathValue(key, 'v')).us);
    measure('directory', () => () => h.request(XsType.DIRECTORY, 0, encodeStrings('/local/domain/1')).us);
    const open: number[] = [];
    measure('txStart', () => () => {
      const r = h.request(XsType.TRANSACTION_START, 0, encodeStrings(''));
      open.push(Number(Buffer.from(r.reply.subarray(16)).toString('latin1').replace(/\0.*$/s, '')));
      return r.us;
    });
    for (const tx of open.splice(0)) h.request(XsType.TRANSACTION_END, tx, encodeStrings('F'));
    measure('txRead', () => {
      const tx = h.txStart();
      open.push(tx);
      return () => h.request(XsType.READ, tx, encodeStrings(key)).us;
    });
    for (const tx of open.splice(0)) h.request(XsType.TRANSACTION_END, tx, encodeStrings('F'));
    measure('txWrite', () => {
      const tx = h.txStart();
      open.push(tx);
      return () => h.request(XsType.WRITE, tx, encodePathValue(`/local/domain/2/data/updated`, 'w')).us;
    });
    for (const tx of open.splice(0)) h.request(XsType.TRANSACTION_END, tx, encodeStrings('F'));
    measure('commit', () => {
      const tx = h.txStart();
      h.request(XsType.WRITE, tx, encodePathValue(key, 'c'));
      return () => h.request(XsType.TRANSACTION_END, tx, encodeStrings('T')).us;
    });
    measure('commitEagain', () => {
      const tx = h.txStart();
      h.request(XsType.READ, tx, encodeStrings(key));
      h.request(XsType.WRITE, tx, encodePathValue(key, 'e'));
      h.request(XsType.WRITE, 0, encodePathValue(key, 'other'));
      return () => h.request(XsType.TRANSACTION_END, tx, encodeStrings('T')).us;
    });
    measure('abort', () => {
      const tx = h.txStart();
      h.request(XsType.WRITE, tx, encodePathValue(key, 'a'));
      return () => h.request(XsType.TRANSACTION_END, tx, encodeStrings('F')).us;
    });
    return samples;
  } finally {
    h.close();
  }
}

/** Fits requestBaseUs and counter prices to the samples (non-negative least squares). */
export function fitEngineCosts(samples: readonly KindSample[]): EngineCosts {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.deltas)))]
    .filter((c) => samples.some((s) => (s.deltas[c] ?? 0) !== 0))
    .sort();
  // Scale columns to comparable magnitudes so the solver converges evenly.
  const scale = names.map((c) => Math.max(...samples.map((s) => Math.abs(s.deltas[c] ?? 0))) || 1);
  const rows = samples.map((s) => [1, ...names.map((c, i) => (s.deltas[c] ?? 0) / scale[i]!)]);
  // Relative error: a 40 µs read matters as much as a 3 ms commit.
  const weight = samples.map((s) => 1 / Math.max(s.us, 0.1));
  const x = nnls(rows.map((row, r) => row.map((v) => v * weight[r]!)), samples.map((s, r) => s.us * weight[r]!));
  const counters: Record<string, number> = {};
  names.forEach((c, i) => {
    const price = x[i + 1]! / scale[i]!;
    // Solver dust (1e-14) is a zero price.
    counters[c] = price < 1e-9 ? 0 : Number(price.toPrecision(4));
  });
  const residuals: Record<string, string> = {};
  samples.forEach((s, r) => {
    const predicted = rows[r]!.reduce((sum, v, i) => sum + v * x[i]!, 0);
    residuals[s.kind] = `measured ${s.us.toFixed(1)} us, model ${predicted.toFixed(1)} us`;
  });
  return { requestBaseUs: Number(x[0]!.toPrecision(4)), counters, notes: residuals };
}

/** Round-trip between two threads via SharedArrayBuffer + Atomics.waitAsync (the rings' doorbell): returns one-way µs. */
async function measureTransportUs(rounds: number): Promise<number> {
  const sab = new SharedArrayBuffer(8);
  const flags = new Int32Array(sab);
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const f = new Int32Array(workerData);
     // A pending Atomics.waitAsync does not keep a thread's event loop alive.
     const keepAlive = setInterval(() => {}, 1000);
     (async () => {
       for (let i = 1; ; i++) {
         const r = Atomics.waitAsync(f, 0, i - 1);
         if (r.async) await r.value;
         if (Atomics.load(f, 0) < 0) break;
         Atomics.store(f, 1, i);
         Atomics.notify(f, 1);
       }
       clearInterval(keepAlive);
     })();`,
    { eval: true, workerData: sab },
  );
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const times: number[] = [];
    for (let i = 1; i <= rounds; i++) {
      const t0 = process.hrtime.bigint();
      Atomics.store(flags, 0, i);
      Atomics.notify(flags, 0);
      const r = Atomics.waitAsync(flags, 1, i - 1);
      if (r.async) await r.value;
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    Atomics.store(flags, 0, -1);
    Atomics.notify(flags, 0);
    return median(times.slice(Math.min(20, rounds >> 2))) / 2;
  } finally {
    clearInterval(keepAlive);
    await worker.terminate();
  }
}

/** One engine in the real-time driver's pipeline, fitted by {@link measurePipeline}. */
export interface PipelineCosts {
  readonly engine: EngineKind;
  /** Client threads hosting the guests (cores − 1). */
  readonly threads: number;
  /** Client-thread CPU per request and per wake-up (µs). */
  readonly clientUs: number;
  readonly clientWakeUs: number;
  /** Daemon-thread loop overhead (outside processNext) per request and per wake-up (µs). */
  readonly daemonUs: number;
  readonly daemonWakeUs: number;
  /** The engine's work measured in the daemon thread ÷ its in-process price for the same counters. */
  readonly serviceScale: number;
  /** Median request round trip at 1 guest (µs). */
  readonly rttUs: number;
  /** Each run: guests, requests/s, and per request: client µs, client wakes, daemon overhead µs, daemon wakes, engine work measured and priced in-process (µs). */
  readonly runs: readonly PipelineRun[];
}

interface PipelineRun {
  guests: number;
  requestsPerS: number;
  clientUs: number;
  clientWakes: number;
  daemonUs: number;
  daemonWakes: number;
  serviceUs: number;
  pricedUs: number;
  /** Per request, a guest's cycle not covered by either thread's work: the wake-up latencies while they take turns (1 guest per client thread). */
  idleUs: number;
}

/**
 * Fits `y = wake × (wakes per request) + perRequest` (non-negative) to one
 * row per run: each run's figures per request, so every run weighs the same.
 */
export function fitWakeAndRequest(rows: readonly { wakesPerRequest: number; usPerRequest: number }[]): { wakeUs: number; perRequestUs: number } {
  const x = nnls(rows.map((r) => [r.wakesPerRequest, 1]), rows.map((r) => r.usPerRequest));
  return { wakeUs: x[0]!, perRequestUs: x[1]! };
}

/**
 * One engine in the real-time driver's pipeline on this machine: short-txn
 * through worker threads, XsClient, rings and the daemon thread, at a few
 * guest counts. Each run reports (runner/real/driver.ts `threads.*`) the
 * client threads' event-loop active time and wake-ups, and the daemon
 * thread's busy time, time inside processNext and wake-ups. A thread that
 * sleeps between requests pays a wake-up for each; one that finds more work
 * when it wakes shares it over the batch. So per thread, CPU per request =
 * wake × wakes per request + per request, fitted across the runs. The
 * engine's own work inside the daemon thread is compared with what the
 * in-process fit (`costs`) prices for the same counters' increase over the
 * window: their ratio is the engine's service scale (file work, for one,
 * costs more beside busy threads of the same process). The median round
 * trip at 1 guest places the wake-ups' CPU before or after the first output
 * (see `calibrate`).
 */
async function measurePipeline(engine: EngineKind, costs: EngineCosts, seconds: number, guestCounts: readonly number[], onRun?: (guests: number) => void): Promise<PipelineCosts> {
  const scenario = getScenario('short-txn');
  const threads = Math.max(1, os.availableParallelism() - 1);
  const runs: PipelineRun[] = [];
  let rttUs = 0;
  const price = (before: Record<string, number>, after: Record<string, number>, requests: number) => {
    let us = costs.requestBaseUs * requests;
    for (const [name, p] of Object.entries(costs.counters)) us += p * ((after[name] ?? 0) - (before[name] ?? 0));
    return us;
  };
  for (const guests of guestCounts) {
    let pricedUs = 0;
    // Each run starts fresh worker threads whose code is not yet optimised:
    // runs of a few seconds (like the runs being predicted), not shorter, or
    // the warm-up inflates the prices.
    const r = await createRealDriver({
      onWindow: (start, stop) => (pricedUs = price(start.engineCounters, stop.engineCounters, stop.daemon.requests - start.daemon.requests)),
    }).run({
      scenario: 'short-txn', params: validateParams(scenario, {}), guests: guests * threads, seed: 1, durationS: seconds,
      target: { kind: 'engine', engine }, rep: 0,
    });
    const e = r.extra ?? {};
    const requests = e['threads.daemonRequests'] ?? 0;
    if (!(requests > 0) || e['threads.clientActiveMs'] === undefined) {
      throw new Error(`calibration: the real-time driver reported no thread figures for ${engine} with ${guests * threads} guests (requests ${requests})`);
    }
    const run: PipelineRun = {
      guests: guests * threads,
      requestsPerS: r.throughput,
      clientUs: (e['threads.clientActiveMs']! * 1000) / requests,
      clientWakes: e['threads.clientWakes']! / requests,
      daemonUs: ((e['threads.daemonBusyMs']! - e['threads.daemonServiceMs']!) * 1000) / requests,
      daemonWakes: e['threads.daemonWakes']! / requests,
      serviceUs: (e['threads.daemonServiceMs']! * 1000) / requests,
      pricedUs: pricedUs / requests,
      // A guest's cycle per request (each client thread hosts the same
      // number of guests) minus both threads' work on it.
      idleUs: Math.max(0, (threads * r.durationS * 1e6 - (e['threads.clientActiveMs']! + e['threads.daemonBusyMs']!) * 1000) / requests),
    };
    runs.push(run);
    if (guests === 1) rttUs = r.requestLatency.p50 * 1000;
    onRun?.(guests * threads);
  }
  const client = fitWakeAndRequest(runs.map((r) => ({ wakesPerRequest: r.clientWakes, usPerRequest: r.clientUs })));
  const daemon = fitWakeAndRequest(runs.map((r) => ({ wakesPerRequest: r.daemonWakes, usPerRequest: r.daemonUs })));
  const priced = runs.reduce((t, r) => t + r.pricedUs, 0);
  return {
    engine,
    threads,
    clientUs: client.perRequestUs,
    clientWakeUs: client.wakeUs,
    daemonUs: daemon.perRequestUs,
    daemonWakeUs: daemon.wakeUs,
    serviceScale: priced > 0 ? runs.reduce((t, r) => t + r.serviceUs, 0) / priced : 1,
    rttUs,
    runs,
  };
}

/** Engines measured in the real-time pipeline: trie first (its threads are the defaults); quick: trie and tdb only. */
function pipelineEngines(engines: readonly EngineKind[], quick: boolean): EngineKind[] {
  const wanted: EngineKind[] = quick ? ['trie', 'tdb'] : ['trie', ...engines.filter((e) => e !== 'trie')];
  return wanted.filter((e) => engines.includes(e));
}

/** Guests per client thread of the pipeline runs: a spread of batch sizes for the wake-up fit. */
function pipelineGuests(engine: EngineKind, quick: boolean): number[] {
  if (engine === 'trie') return quick ? [1, 2, 4, 16] : [1, 2, 4, 8, 16, 32];
  return quick ? [1, 2, 4] : [1, 2, 4, 8];
}

/** Engines whose factory works on this build (the modern ones may still be ENOSYS stubs). */
export function availableEngines(): EngineKind[] {
  return ENGINE_KINDS.filter((kind) => {
    try {
      createEngine(kind).close();
      return true;
    } catch {
      return false;
    }
  });
}

/** Measures this machine and returns a validated profile. */
export async function calibrate(options: CalibrateOptions = {}): Promise<CostProfile> {
  const reps = options.repetitions ?? (options.quick ? 200 : 600);
  const engines = options.engines ?? availableEngines();
  const sizes = options.quick ? [5, 60] : [5, 40, 120];
  const pipelineRuns = engines.includes('trie') ? pipelineEngines(engines, options.quick ?? false).reduce((n, kind) => n + pipelineGuests(kind, options.quick ?? false).length, 0) : 0;
  const steps = engines.length * sizes.length + 2 + pipelineRuns;
  let step = 0;
  const progress = (note: string) => options.onProgress?.(++step / steps, note);
  const costs: Record<string, EngineCosts> = {};
  const threadHopUs = await measureTransportUs(options.quick ? 300 : 2000);
  progress(`thread hop ${threadHopUs.toFixed(1)} us one way`);
  for (const kind of engines) {
    const samples: KindSample[] = [];
    for (const domains of sizes) {
      samples.push(...measureEngine(kind, domains, reps));
      progress(`${kind}: store of ${domains} domains`);
    }
    costs[kind] = fitEngineCosts(samples);
  }
  let transportUs = threadHopUs;
  let client: { perRequestUs: number; threads: number; wakeUs: number } | undefined;
  let daemon: { perByteUs: number; perRequestUs?: number; wakeUs?: number; iterations?: boolean } = { perByteUs: 0 };
  let transportHow = 'thread ping-pong through Atomics (the rings\' doorbell)';
  let pipelineFit: Record<string, unknown> | undefined;
  let wake: { latencyUs: number; leadFraction: number } | undefined;
  if (engines.includes('trie')) {
    const p4 = (v: number) => Number(v.toPrecision(4));
    const fits: Record<string, unknown> = {};
    for (const kind of pipelineEngines(engines, options.quick ?? false)) {
      const m = await measurePipeline(kind, costs[kind]!, options.quick ? 3 : 5, pipelineGuests(kind, options.quick ?? false), (g) => progress(`real-time pipeline, ${kind}, ${g} guests`));
      costs[kind] = {
        ...costs[kind]!,
        pipeline: { serviceScale: p4(m.serviceScale), clientPerRequestUs: p4(m.clientUs), clientWakeUs: p4(m.clientWakeUs), daemonPerRequestUs: p4(m.daemonUs), daemonWakeUs: p4(m.daemonWakeUs) },
      };
      fits[kind] = m.runs.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'guests' ? v : k === 'requestsPerS' ? Math.round(v) : p4(v)])));
      if (kind !== 'trie') continue;
      // trie's threads are the defaults for engines measured in-process only.
      // With 1 guest the two threads take turns, so the time neither works
      // is the wake-up latencies: the latency per wake-up. (A bare thread
      // hop, measured apart, is longer: in the pipeline the threads are not
      // long asleep.) The share of the wake-ups' CPU spent before the first
      // output is what the 1-guest round trip leaves once both latencies and
      // both threads' per-request work are counted.
      const one = m.runs[0]!;
      const latencyUs = one.idleUs / Math.max(1e-9, one.clientWakes + one.daemonWakes);
      const lead = (m.rttUs - 2 * latencyUs - m.clientUs - m.daemonUs - one.serviceUs) / Math.max(1e-9, m.clientWakeUs + m.daemonWakeUs);
      wake = { latencyUs: p4(latencyUs), leadFraction: Number(Math.min(1, Math.max(0, lead)).toFixed(3)) };
      transportUs = 0;
      client = { perRequestUs: p4(m.clientUs), threads: m.threads, wakeUs: p4(m.clientWakeUs) };
      daemon = { perByteUs: 0, perRequestUs: p4(m.daemonUs), wakeUs: p4(m.daemonWakeUs), iterations: true };
      transportHow = `real-time driver on trie short-txn at ${m.runs.map((r) => r.guests).join('/')} guests on ${m.threads} client thread(s): `
        + `client ${m.clientUs.toFixed(1)} us per request + ${m.clientWakeUs.toFixed(1)} us per wake-up, daemon loop ${m.daemonUs.toFixed(1)} us per request + ${m.daemonWakeUs.toFixed(1)} us per wake-up `
        + `(fitted per thread over the runs); 1 guest: ${wake.latencyUs.toFixed(1)} us with neither thread working per wake-up (bare thread hop ${threadHopUs.toFixed(1)} us), and the median round trip (${m.rttUs.toFixed(1)} us) `
        + `puts ${(wake.leadFraction * 100).toFixed(0)} % of the wake-ups' CPU before the first output; `
        + 'engines.*.pipeline: the same fit with each engine measured, and its in-pipeline service scale';
    }
    pipelineFit = { pipeline: fits };
  }
  progress(`transport ${transportUs.toFixed(1)} us one way`);
  return parseProfile({
    profileVersion: PROFILE_VERSION,
    name: options.name ?? defaultCalibratedName(),
    description: `Costs measured on ${os.hostname()} by xstorm calibrate: mean wall time of daemon.processNext() per request kind (${reps} repetitions, stores of ${sizes.join('/')} domains), fitted by non-negative least squares against the engine counters' increase; transport = thread ping-pong through Atomics.`,
    machine: thisMachine(),
    createdAt: new Date().toISOString(),
    sources: [
      { id: 'calibrate', citation: 'xstorm calibrate (runner/cost/calibrate.ts)', fact: 'measured on this machine; see machine and engines.*.notes (measured vs model per request kind)' },
      { id: 'transport', citation: 'xstorm calibrate (runner/cost/calibrate.ts)', fact: transportHow },
    ],
    transport: { latencyUs: Number(transportUs.toPrecision(4)), perByteUs: 0 },
    ...(client ? { client } : {}),
    ...(wake ? { wake } : {}),
    daemon,
    engines: costs,
    ...(pipelineFit ? { fit: pipelineFit } : {}),
  }, 'calibration');
}
