/**
 * `xstorm calibrate --target socket:<path>`: prices a real xenstored from
 * the outside, for the simulated driver and the engine that models it
 * (`tdb-pernode` for cxenstored ≥ 4.9, `trie-replay` for oxenstored ≥ 2017).
 *
 * What is measured, all through the daemon's Unix socket, like Xen's
 * `test-xenstore` (one client, one request at a time):
 * - per request kind (read, write, directory, mkdir, rm, permissions,
 *   transaction start, reads and writes inside one, commits of 1 and 16
 *   writes, refused or replayed by oxenstored, abort) at stores of a few
 *   sizes, the round trip at one client and, where the daemon's process
 *   can be read (`daemon.pid` beside the socket, as ../shared/realxs
 *   writes it; Linux `/proc/<pid>/schedstat`), its CPU over the kind's
 *   script;
 * - the same requests replayed on xstorm's daemon with the modelling engine
 *   in-process, for the engine counters' increase: the daemon's CPU per
 *   request is fitted (non-negative least squares, as `calibrate` does)
 *   against those counters, so the simulated daemon prices each request by
 *   the work the model reports. The CPU, not the round trip: on a 2-vCPU
 *   machine a round trip swings between ~20 and ~100 µs as the scheduler
 *   puts the two processes on one vCPU or two. Without the pid, the round
 *   trip less this process's CPU per request stands for the daemon's;
 * - K clients at once, which splits each side's CPU into a price per
 *   wake-up and per request (as `calibrate` fits the real-time pipeline),
 *   and idle connections held open, which price what each loop iteration
 *   costs per open connection (both daemons poll and walk every connection
 *   each time round).
 *
 * Which engine models the daemon is probed unless given: a read-only
 * transaction whose key another connection wrote commits on oxenstored and
 * fails with EAGAIN on cxenstored (../shared/realxs/README.md).
 *
 * Like `xstorm run --target`, it clears `/local/domain`, `/vm`, `/libxl`
 * and its own `/xstorm-calibrate` first and removes what it wrote at the end.
 */
import * as os from 'node:os';
import { readFileSync } from 'node:fs';
import type { EngineKind } from '../../engines/index.ts';
import { encodeFrame, encodePathValue, encodeStrings, MessageDecoder, bytesToLatin1 } from '../../protocol/codec.ts';
import { connectUnixSocket } from '../../protocol/socket.ts';
import { XsClient } from '../../protocol/client.ts';
import type { ClientTransport, Clock } from '../../protocol/types.ts';
import { XsType } from '../../protocol/wire.ts';
import { daemonPidForSocket } from '../real/proc-stats.ts';
import { Harness, fitEngineCosts, fitWakeAndRequest, thisMachine } from './calibrate.ts';
import type { KindSample } from './calibrate.ts';
import { PROFILE_VERSION, parseProfile } from './schema.ts';
import type { CostProfile } from './schema.ts';

/** Engines that model a real daemon of today. */
export type RealDaemonModel = 'tdb-pernode' | 'trie-replay';

/** Options of {@link calibrateSocket}. */
export interface SocketCalibrateOptions {
  readonly socketPath: string;
  /** The daemon's name in the profile, e.g. `cxenstored` (default: from the probe). */
  readonly label?: string;
  /** The modelling engine (default: probed). */
  readonly engine?: RealDaemonModel;
  /** Profile name (default `socket-<label>-<host>`). */
  readonly name?: string;
  /** Fewer repetitions, store sizes and sweep points (about 10 s instead of about 30 s). */
  readonly quick?: boolean;
  /** Timed requests per kind (default 400; quick 150). */
  readonly repetitions?: number;
  /** The daemon's pid (default: `daemon.pid` beside the socket; null: do not read the process). */
  readonly daemonPid?: number | null;
  readonly onProgress?: (fraction: number, note: string) => void;
}

/** A calibrated real daemon: its profile and how it was identified. */
export interface SocketCalibration {
  readonly profile: CostProfile;
  readonly engine: RealDaemonModel;
  readonly label: string;
  /** How the modelling engine was chosen. */
  readonly probe: string;
}

/** Paths the calibration clears first (the scenarios' roots) and its own. */
const CLEARED_ROOTS = ['/local/domain', '/vm', '/libxl', '/xstorm-calibrate'] as const;
const ROOT = '/xstorm-calibrate';

/** One request to either daemon: a type, whether it runs in the open transaction, its payload. */
interface Step {
  readonly type: number;
  readonly inTx: boolean;
  readonly payload: Uint8Array;
}

/** A reply, reduced to what both executors compare. */
interface Reply {
  readonly type: number;
  readonly text: string;
}

/** Runs steps against one daemon, keeping the open transaction's id. */
interface Executor {
  run(step: Step): Promise<Reply> | Reply;
}

/** One request kind: untimed steps before and after the timed one, and the reply the timed one must get. */
interface KindScript {
  readonly name: string;
  prepare(i: number): Step[];
  timed(i: number): Step;
  after(i: number): Step[];
  /** The timed step's reply: `OK` (any success) or an errno name. */
  readonly expect: 'OK' | 'EAGAIN';
}

const step = (type: number, payload: Uint8Array, inTx = false): Step => ({ type, inTx, payload });
const read = (path: string, inTx = false) => step(XsType.READ, encodeStrings(path), inTx);
const write = (path: string, value: string, inTx = false) => step(XsType.WRITE, encodePathValue(path, value), inTx);
const mkdir = (path: string, inTx = false) => step(XsType.MKDIR, encodeStrings(path), inTx);
const rm = (path: string, inTx = false) => step(XsType.RM, encodeStrings(path), inTx);
const txStart = () => step(XsType.TRANSACTION_START, encodeStrings(''));
const txEnd = (commit: boolean) => step(XsType.TRANSACTION_END, encodeStrings(commit ? 'T' : 'F'), true);

/** `count` writes in the open transaction, under `dir`. */
function writes(dir: string, count: number, i: number): Step[] {
  return Array.from({ length: count }, (_, k) => write(`${dir}/k${k}`, `${i}`, true));
}

/** The request kinds, on keys of domain 1 (present at every store size) and under {@link ROOT}. */
function kindScripts(): KindScript[] {
  const key = '/local/domain/1/data/updated';
  const none = () => [];
  const simple = (name: string, timed: (i: number) => Step, after: (i: number) => Step[] = none): KindScript => ({ name, prepare: none, timed, after, expect: 'OK' });
  const inTx = (name: string, timed: (i: number) => Step): KindScript => ({ name, prepare: () => [txStart()], timed, after: () => [txEnd(false)], expect: 'OK' });
  return [
    simple('read', () => read(key)),
    simple('write', (i) => write(key, `v${i}`)),
    simple('directory', () => step(XsType.DIRECTORY, encodeStrings('/local/domain/1'))),
    simple('getPerms', () => step(XsType.GET_PERMS, encodeStrings(key))),
    simple('setPerms', () => step(XsType.SET_PERMS, encodeStrings(`${ROOT}/perms`, 'n0', 'r1'))),
    simple('mkdir', (i) => mkdir(`${ROOT}/m${i}`), (i) => [rm(`${ROOT}/m${i}`)]),
    { name: 'rm', prepare: (i) => [mkdir(`${ROOT}/r${i}`)], timed: (i) => rm(`${ROOT}/r${i}`), after: none, expect: 'OK' },
    { name: 'txStart', prepare: none, timed: () => txStart(), after: () => [txEnd(false)], expect: 'OK' },
    inTx('txRead', () => read(key, true)),
    inTx('txWrite', (i) => write('/local/domain/2/data/updated', `w${i}`, true)),
    inTx('txMkdir', (i) => mkdir(`${ROOT}/t${i}`, true)),
    inTx('txSetPerms', () => step(XsType.SET_PERMS, encodeStrings(`${ROOT}/perms`, 'n0', 'r2'), true)),
    // Commits of two sizes each, so that the fit can tell a price per commit
    // from a price per node or request the commit handles (a boot storm's
    // transactions hold ~30 operations).
    ...[1, 16].map((size): KindScript => ({
      name: `commit${size}`, prepare: (i) => [txStart(), ...writes(`${ROOT}/c${size}`, size, i)], timed: () => txEnd(true), after: none, expect: 'OK',
    })),
    ...[1, 16].map((size): KindScript => ({
      name: `commitEagain${size}`,
      prepare: (i) => [txStart(), read(key, true), ...writes(`${ROOT}/e${size}`, size, i), write(key, `other${i}`)],
      timed: () => txEnd(true), after: none, expect: 'EAGAIN',
    })),
    { name: 'abort', prepare: (i) => [txStart(), write(`${ROOT}/a`, `a${i}`, true)], timed: () => txEnd(false), after: none, expect: 'OK' },
    // A toolstack-like transaction across subtrees (its written paths meet at /)
    // while another commit lands: oxenstored cannot coalesce it and replays
    // its requests; cxenstored finds no accessed node changed. Both commit.
    ...[2, 16].map((size): KindScript => ({
      name: `commitReplay${size}`,
      prepare: (i) => [txStart(), ...writes(`${ROOT}/rp${size}/t${i % 20}`, size - 1, i), write(`/local/domain/3/data/rp${i % 20}`, `${i}`, true), write(`${ROOT}/other`, `${i}`)],
      timed: () => txEnd(true), after: none, expect: 'OK',
    })),
  ];
}

/** Keys of a running domain (as `calibrate` populates its stores). */
const DOMAIN_KEYS = ['vm', 'domid', 'memory/target', 'cpu/0/availability', 'console/ring-ref', 'console/port',
  'device/vbd/768/state', 'device/vif/0/state', 'device/vif/0/mac', 'data/updated', 'control/shutdown'] as const;

/** The steps that build a store of `domains` running domains plus the calibration's own directory. */
function populateSteps(domains: number): Step[] {
  const steps: Step[] = [mkdir(ROOT), write(`${ROOT}/perms`, ''), write(`${ROOT}/c`, ''), write(`${ROOT}/a`, ''), write(`${ROOT}/other`, '')];
  for (let d = 1; d <= domains; d++) {
    steps.push(write(`/local/domain/${d}/name`, `guest-${d}`));
    for (const k of DOMAIN_KEYS) steps.push(write(`/local/domain/${d}/${k}`, `${k}-${d}`));
  }
  return steps;
}

function replyOf(type: number, payload: Uint8Array): Reply {
  return { type, text: bytesToLatin1(payload).replace(/\0$/, '') };
}

function outcome(reply: Reply): string {
  return reply.type === XsType.ERROR ? reply.text : 'OK';
}

/** A bare wire-protocol connection: one request at a time, reply payloads as bytes. */
class RawConnection implements Executor {
  readonly #transport: ClientTransport;
  readonly #decoder = new MessageDecoder();
  #waiting: ((reply: Reply) => void) | undefined;
  #reqId = 1;
  /** The open transaction's id (0: none). */
  tx = 0;

  private constructor(transport: ClientTransport) {
    this.#transport = transport;
    transport.onData((chunk) => {
      this.#decoder.push(chunk);
      for (let m = this.#decoder.next(); m; m = this.#decoder.next()) {
        if (m.type === XsType.WATCH_EVENT) continue;
        const done = this.#waiting;
        this.#waiting = undefined;
        done?.(replyOf(m.type, m.payload));
      }
    });
  }

  static async open(path: string): Promise<RawConnection> {
    return new RawConnection(await connectUnixSocket(path));
  }

  async run(s: Step): Promise<Reply> {
    const reply = await new Promise<Reply>((resolve) => {
      this.#waiting = resolve;
      this.#transport.send(encodeFrame(s.type, this.#reqId++, s.inTx ? this.tx : 0, s.payload));
    });
    trackTransaction(this, s, reply);
    return reply;
  }

  close(): void {
    this.#transport.close();
  }
}

/** xstorm's daemon with the modelling engine, in-process: the same steps, for the counters. */
class TwinExecutor implements Executor {
  readonly harness: Harness;
  tx = 0;

  constructor(engine: RealDaemonModel) {
    this.harness = new Harness(engine);
  }

  run(s: Step): Reply {
    const r = this.harness.request(s.type, s.inTx ? this.tx : 0, s.payload);
    const reply = replyOf(r.replyType, r.reply.subarray(16));
    trackTransaction(this, s, reply);
    return reply;
  }
}

function trackTransaction(executor: { tx: number }, s: Step, reply: Reply): void {
  if (s.type === XsType.TRANSACTION_START && reply.type !== XsType.ERROR) executor.tx = Number(reply.text);
  if (s.type === XsType.TRANSACTION_END) executor.tx = 0;
}

/**
 * A process's CPU time, time spent runnable but waiting for a CPU (both
 * ns) and times scheduled in, from /proc/<pid>/schedstat; null when unreadable.
 */
export function readSchedstat(pid: number): { cpuNs: number; waitNs: number; slices: number } | null {
  try {
    const [cpu, wait, slices] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(cpu) && Number.isFinite(wait) && Number.isFinite(slices) ? { cpuNs: cpu!, waitNs: wait!, slices: slices! } : null;
  } catch {
    return null;
  }
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Least-squares slope of y on x (0 with fewer than two distinct x). */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((t, p) => t + p.x, 0) / n;
  const my = points.reduce((t, p) => t + p.y, 0) / n;
  const sxx = points.reduce((t, p) => t + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((t, p) => t + (p.x - mx) * (p.y - my), 0) / sxx;
}

const wallClock: Clock = { now: () => performance.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** Which engine models the daemon: a read-only transaction whose key another connection wrote. */
async function probeModel(path: string): Promise<{ engine: RealDaemonModel; label: string; probe: string }> {
  const a = await RawConnection.open(path);
  const b = await RawConnection.open(path);
  try {
    await b.run(write(`${ROOT}/probe`, '0'));
    await a.run(txStart());
    await a.run(read(`${ROOT}/probe`, true));
    await b.run(write(`${ROOT}/probe`, '1'));
    const end = outcome(await a.run(txEnd(true)));
    if (end === 'EAGAIN') return { engine: 'tdb-pernode', label: 'cxenstored', probe: 'a read-only transaction whose key was written got EAGAIN: per-node generations (cxenstored ≥ 4.9)' };
    if (end === 'OK') return { engine: 'trie-replay', label: 'oxenstored', probe: 'a read-only transaction whose key was written committed: snapshot and replay (oxenstored ≥ 2017)' };
    throw new Error(`calibrate: the probe transaction ended with ${end}; cannot tell which engine models the daemon (give --engine)`);
  } finally {
    a.close();
    b.close();
  }
}

/** Clears the scenario roots on the daemon (ENOENT is fine). */
async function clearRoots(conn: RawConnection): Promise<void> {
  for (const root of CLEARED_ROOTS) {
    const r = outcome(await conn.run(rm(root)));
    if (r !== 'OK' && r !== 'ENOENT') throw new Error(`calibrate: cannot remove ${root} on the daemon: ${r}`);
  }
}

/** One request kind at one store size, measured on the daemon and counted on the twin. */
interface KindMeasurement {
  readonly kind: string;
  /** Median round trip of the kind's own request at one client (µs). */
  readonly rttUs: number;
  /** Counter increase of the kind's own request. */
  readonly deltas: Record<string, number>;
  /** Per repetition of the whole script (preparing requests included): requests, the daemon's CPU (µs; null without its pid), counter increase. */
  readonly perRep: { readonly requests: number; readonly daemonUs: number | null; readonly deltas: Record<string, number> };
}

/**
 * Per request kind at one store size: round trips on the socket, the
 * daemon's CPU over the whole script (schedstat), counters on the twin.
 */
async function measureKinds(conn: RawConnection, model: RealDaemonModel, domains: number, reps: number, pid: number | null, mismatches: string[]): Promise<KindMeasurement[]> {
  await clearRoots(conn);
  const twin = new TwinExecutor(model);
  const both = async (s: Step) => {
    await conn.run(s);
    twin.run(s);
  };
  try {
    for (const s of populateSteps(domains)) await both(s);
    const samples: KindMeasurement[] = [];
    for (const script of kindScripts()) {
      const times: number[] = [];
      const sums: Record<string, number> = {};
      const repSums: Record<string, number> = {};
      let requests = 0;
      const warmUp = 10;
      let cpu0: ReturnType<typeof readSchedstat> = null;
      for (let i = 0; i < reps + warmUp; i++) {
        // The daemon's CPU is read around the measured repetitions only.
        if (i === warmUp && pid !== null) cpu0 = readSchedstat(pid);
        const repBefore = twin.harness.engine.counters();
        const prepare = script.prepare(i);
        for (const s of prepare) await both(s);
        const timed = script.timed(i);
        const t0 = performance.now();
        const real = await conn.run(timed);
        const us = (performance.now() - t0) * 1000;
        const before = twin.harness.engine.counters();
        const modelled = twin.run(timed);
        const after = twin.harness.engine.counters();
        if (outcome(real) !== outcome(modelled) || outcome(real) !== script.expect) {
          if (mismatches.length < 10) mismatches.push(`${script.name}@${domains}: daemon ${outcome(real)}, model ${outcome(modelled)}, expected ${script.expect}`);
        }
        const afterSteps = script.after(i);
        for (const s of afterSteps) await both(s);
        if (i < warmUp) continue;
        times.push(us);
        requests += prepare.length + 1 + afterSteps.length;
        for (const c of Object.keys(after)) sums[c] = (sums[c] ?? 0) + (after[c]! - (before[c] ?? 0));
        const repAfter = twin.harness.engine.counters();
        for (const c of Object.keys(repAfter)) repSums[c] = (repSums[c] ?? 0) + (repAfter[c]! - (repBefore[c] ?? 0));
      }
      const cpu1 = cpu0 !== null && pid !== null ? readSchedstat(pid) : null;
      const perRequest = (sum: Record<string, number>) => Object.fromEntries(Object.entries(sum).map(([c, v]) => [c, v / reps]));
      samples.push({
        kind: `${script.name}@${domains}`,
        rttUs: median(times),
        deltas: perRequest(sums),
        perRep: { requests: requests / reps, daemonUs: cpu0 && cpu1 ? (cpu1.cpuNs - cpu0.cpuNs) / 1000 / reps : null, deltas: perRequest(repSums) },
      });
    }
    return samples;
  } finally {
    twin.harness.close();
  }
}

/** One measured load point: K clients at once, each reading its own key in a loop. */
interface LoadPoint {
  readonly clients: number;
  readonly idleConnections: number;
  readonly requests: number;
  readonly rttUs: number;
  /** Per request: this process's CPU (the clients), and the daemon's CPU and times scheduled in (null without its pid). */
  readonly clientUs: number;
  readonly daemonUs: number | null;
  readonly daemonWakes: number | null;
}

/** K XsClients reading their own keys for `ms`, with `idle` more connections open and silent. */
async function measureLoad(path: string, clients: number, idle: number, ms: number, pid: number | null): Promise<LoadPoint> {
  const idleConns: ClientTransport[] = [];
  const active: XsClient[] = [];
  try {
    // One request on each idle connection as it opens: the daemon accepts it
    // (a burst of connects overflows the listen backlog) and counts it.
    for (let i = 0; i < idle; i++) {
      const t = await connectUnixSocket(path);
      idleConns.push(t);
      await new XsClient(t, { clock: wallClock }).read('/local').catch(() => '');
    }
    for (let i = 0; i < clients; i++) {
      const c = new XsClient(await connectUnixSocket(path), { clock: wallClock });
      await c.write(`${ROOT}/load/k${i}`, '0');
      active.push(c);
    }
    let stop = false;
    let requests = 0;
    const latencies: number[] = [];
    const loop = async (c: XsClient, i: number) => {
      while (!stop) {
        const t0 = performance.now();
        await c.read(`${ROOT}/load/k${i}`);
        if (latencies.length < 20000) latencies.push((performance.now() - t0) * 1000);
        requests++;
      }
    };
    // Warm up, then measure.
    const warm = active.map((c, i) => loop(c, i));
    await wallClock.sleep(Math.min(200, ms / 4));
    stop = true;
    await Promise.all(warm);
    stop = false;
    requests = 0;
    latencies.length = 0;
    const cpu0 = process.cpuUsage();
    const d0 = pid !== null ? readSchedstat(pid) : null;
    const t0 = performance.now();
    const running = active.map((c, i) => loop(c, i));
    await wallClock.sleep(ms);
    stop = true;
    await Promise.all(running);
    const wallMs = performance.now() - t0;
    const d1 = pid !== null ? readSchedstat(pid) : null;
    const cpu = process.cpuUsage(cpu0);
    void wallMs;
    return {
      clients, idleConnections: idle, requests,
      rttUs: median(latencies),
      clientUs: (cpu.user + cpu.system) / requests,
      daemonUs: d0 && d1 ? (d1.cpuNs - d0.cpuNs) / 1000 / requests : null,
      daemonWakes: d0 && d1 ? (d1.slices - d0.slices) / requests : null,
    };
  } finally {
    for (const c of active) c.close();
    for (const t of idleConns) t.close();
  }
}

const p4 = (v: number) => Number(v.toPrecision(4));

/** Calibrates the real daemon behind `options.socketPath`; see the module comment. */
export async function calibrateSocket(options: SocketCalibrateOptions): Promise<SocketCalibration> {
  const quick = options.quick ?? false;
  const reps = options.repetitions ?? (quick ? 150 : 400);
  const sizes = quick ? [5, 60] : [5, 60, 200];
  const clientCounts = quick ? [1, 4, 16] : [1, 2, 4, 8, 16];
  const idleCounts = quick ? [0, 400] : [0, 200, 800];
  const loadMs = quick ? 500 : 1000;
  const steps = 1 + sizes.length + clientCounts.length + idleCounts.length;
  let done = 0;
  const progress = (note: string) => options.onProgress?.(++done / steps, note);
  const pid = options.daemonPid === undefined ? daemonPidForSocket(options.socketPath) : options.daemonPid;
  const readable = pid !== null && readSchedstat(pid) !== null ? pid : null;

  const conn = await RawConnection.open(options.socketPath);
  try {
    await clearRoots(conn);
    await conn.run(mkdir(ROOT));
    const probed = options.engine ? undefined : await probeModel(options.socketPath);
    const engine = options.engine ?? probed!.engine;
    const label = options.label ?? probed?.label ?? (engine === 'tdb-pernode' ? 'cxenstored' : 'oxenstored');
    const probe = probed?.probe ?? `engine given: ${engine}`;
    progress(`model: ${engine} (${probe})`);

    const mismatches: string[] = [];
    const samples: KindMeasurement[] = [];
    for (const domains of sizes) {
      samples.push(...await measureKinds(conn, engine, domains, reps, readable, mismatches));
      progress(`request kinds at a store of ${domains} domains`);
    }
    await clearRoots(conn);
    await conn.run(mkdir(ROOT));

    const load: LoadPoint[] = [];
    for (const k of clientCounts) {
      load.push(await measureLoad(options.socketPath, k, 0, loadMs, readable));
      progress(`${k} client(s) at once`);
    }
    const idle: LoadPoint[] = [];
    for (const c of idleCounts) {
      idle.push(await measureLoad(options.socketPath, 1, c, loadMs, readable));
      progress(`1 client with ${c} idle connection(s)`);
    }
    await clearRoots(conn);

    const one = load[0]!;
    const withPid = readable !== null && load.every((p) => p.daemonUs !== null && p.daemonWakes !== null);
    // Each side's CPU per request = wake × wake-ups per request + per request;
    // the client thread takes a turn per batch of replies, i.e. per daemon wake-up.
    const daemonFit = withPid ? fitWakeAndRequest(load.map((p) => ({ wakesPerRequest: p.daemonWakes!, usPerRequest: p.daemonUs! }))) : { wakeUs: 0, perRequestUs: 0 };
    const clientFit = withPid ? fitWakeAndRequest(load.map((p) => ({ wakesPerRequest: p.daemonWakes!, usPerRequest: p.clientUs }))) : { wakeUs: 0, perRequestUs: one.clientUs };
    // What one round trip spends outside the daemon: this process's CPU and the two wake-ups' latency.
    const outsideUs = withPid ? Math.max(0, one.rttUs - one.daemonUs!) : one.clientUs;
    const latencyUs = withPid ? Math.max(0, (one.rttUs - one.daemonUs! - one.clientUs) / 2) : 0;
    const perConnectionUs = Math.max(0, slope(idle.map((p) => ({ x: p.idleConnections, y: withPid ? p.daemonUs! : p.rttUs }))));
    // Every request at one client pays a wake-up and one connection's loop
    // iteration, both priced apart. With the daemon's CPU: each script's CPU
    // per request, against the counters of all its requests (round trips
    // swing between ~20 and ~100 µs as the scheduler puts the two processes
    // on one vCPU or two, the CPU does not). Without: each kind's round trip
    // less what lies outside the daemon.
    const fixedUs = daemonFit.wakeUs + perConnectionUs;
    const byCpu = withPid && samples.every((s) => s.perRep.daemonUs !== null);
    const engineSamples: KindSample[] = byCpu
      ? samples.map((s) => ({
        kind: s.kind,
        us: Math.max(0.1, s.perRep.daemonUs! / s.perRep.requests - fixedUs),
        deltas: Object.fromEntries(Object.entries(s.perRep.deltas).map(([c, v]) => [c, v / s.perRep.requests])),
      }))
      : samples.map((s) => ({ kind: s.kind, us: Math.max(0.1, s.rttUs - outsideUs - fixedUs), deltas: s.deltas }));
    const costs = fitEngineCosts(engineSamples);
    const name = options.name ?? defaultSocketProfileName(label);
    const how = withPid
      ? `round trip at one client ${one.rttUs.toFixed(1)} us, of which the daemon's CPU ${one.daemonUs!.toFixed(1)} us (/proc/${readable}/schedstat) and this process's ${one.clientUs.toFixed(1)} us; `
        + `${clientCounts.join('/')} clients at once: daemon ${daemonFit.perRequestUs.toFixed(1)} us per request + ${daemonFit.wakeUs.toFixed(1)} us per wake-up, client ${clientFit.perRequestUs.toFixed(1)} + ${clientFit.wakeUs.toFixed(1)} us; `
        + `idle connections ${idleCounts.join('/')}: ${perConnectionUs.toFixed(3)} us per open connection per loop iteration`
      : `the daemon's process is not readable: round trip at one client ${one.rttUs.toFixed(1)} us less this process's CPU ${one.clientUs.toFixed(1)} us is the daemon's; idle connections ${idleCounts.join('/')}: ${perConnectionUs.toFixed(3)} us per open connection (round trip)`;
    const profile = parseProfile({
      profileVersion: PROFILE_VERSION,
      name,
      description: `${label} behind ${options.socketPath}, priced from the outside by xstorm calibrate --target socket: (runner/cost/calibrate-socket.ts) for the ${engine} engine: ${byCpu ? 'the daemon\'s CPU per request' : 'the round trip less this process\'s CPU'} of each request kind at one client (${reps} repetitions, stores of ${sizes.join('/')} domains), fitted by non-negative least squares against the ${engine} counters of the same requests.`,
      machine: thisMachine(),
      createdAt: new Date().toISOString(),
      sources: [
        { id: 'calibrate-socket', citation: 'xstorm calibrate --target socket: (runner/cost/calibrate-socket.ts)', fact: `${label} measured through its socket; ${probe}` },
        { id: 'pipeline', citation: 'xstorm calibrate --target socket: (runner/cost/calibrate-socket.ts)', fact: how },
      ],
      transport: { latencyUs: 0, perByteUs: 0 },
      client: { perRequestUs: p4(clientFit.perRequestUs), threads: Math.max(1, os.availableParallelism() - 1), wakeUs: p4(clientFit.wakeUs), leaveTogether: false },
      wake: { latencyUs: p4(latencyUs), leadFraction: 1 },
      daemon: { perByteUs: 0, perRequestUs: 0, wakeUs: p4(daemonFit.wakeUs), iterations: true, perConnectionUs: Number(perConnectionUs.toPrecision(4)), repliesTogether: false },
      engines: { [engine]: costs },
      fit: {
        socket: {
          daemon: label, engine, probe, daemonPid: readable,
          kinds: Object.fromEntries(samples.map((s) => [s.kind, p4(s.rttUs)])),
          kindsDaemonUsPerRequest: byCpu ? Object.fromEntries(samples.map((s) => [s.kind, p4(s.perRep.daemonUs! / s.perRep.requests)])) : null,
          fittedOn: byCpu ? 'the daemon\'s CPU per request of each kind\'s script' : 'each kind\'s round trip less this process\'s share',
          load: load.map((p) => ({ ...p, rttUs: p4(p.rttUs), clientUs: p4(p.clientUs), daemonUs: p.daemonUs === null ? null : p4(p.daemonUs), daemonWakes: p.daemonWakes === null ? null : p4(p.daemonWakes) })),
          idle: idle.map((p) => ({ idleConnections: p.idleConnections, rttUs: p4(p.rttUs), daemonUs: p.daemonUs === null ? null : p4(p.daemonUs) })),
          outsideDaemonUs: p4(outsideUs),
          replyMismatches: mismatches,
        },
      },
    }, 'socket calibration');
    return { profile, engine, label, probe };
  } finally {
    conn.close();
  }
}

/** Default profile name for a daemon calibrated through its socket on this machine. */
export function defaultSocketProfileName(label: string): string {
  const host = os.hostname().toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  return `socket-${label.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}-${host}`.slice(0, 60);
}

/** Whether `kind` is an engine that models a real daemon of today. */
export function isRealDaemonModel(kind: string): kind is RealDaemonModel {
  return kind === 'tdb-pernode' || kind === 'trie-replay';
}

/** The engine kinds a socket calibration can produce (for `--engine`). */
export const REAL_DAEMON_MODELS: readonly EngineKind[] = ['tdb-pernode', 'trie-replay'];
