/**
 * The real-time driver: xstorm's daemon on its own thread (target
 * `engine`) or any xenstored behind a Unix socket (target `socket`), the
 * scenario's actors spread over a pool of worker threads (many per
 * thread, each actor on its own connection), wall-clock time.
 *
 * A watchdog ends the run with an error naming the culprit within seconds
 * when a worker crashes or stops sending heartbeats, or when the daemon
 * thread fails or stops answering: never a silent hang.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startDaemonThread } from '../../daemon/thread.ts';
import type { DaemonThread, DaemonThreadStats } from '../../daemon/thread.ts';
import { XsClient } from '../../protocol/client.ts';
import { RingClientTransport } from '../../protocol/ring.ts';
import { connectUnixSocket } from '../../protocol/socket.ts';
import type { XsApi } from '../../protocol/types.ts';
import type { RunResult } from '../../reports/schema.ts';
import { getScenario } from '../../scenarios/index.ts';
import type { ActorSpec, AnyScenario, ParamValue } from '../../scenarios/types.ts';
import { mergeSnapshots } from '../metrics.ts';
import type { MetricsSnapshot } from '../metrics.ts';
import { buildRunResult } from '../result.ts';
import { bucketMsFor } from '../session.ts';
import { createRandom } from '../random.ts';
import type { Driver, ProgressListener, RunPlan } from '../types.ts';
import { realClock } from './clock.ts';
import { makeScratchDir, removeScratchDir } from '../scratch-dir.ts';
import { daemonPidForSocket, readProcStats } from './proc-stats.ts';
import type { ConnectionSpec, MainToWorker, WorkerInit, WorkerToMain } from './messages.ts';

const BOOTSTRAP = fileURLToPath(new URL('../worker-bootstrap.js', import.meta.url));
const WORKER_MODULE = new URL('./worker.ts', import.meta.url).href;

/** Options of {@link createRealDriver}; defaults in {@link REAL_DRIVER_DEFAULTS}. */
export interface RealDriverOptions {
  /** Worker threads hosting actors (default: available cores − 1 for the daemon, at least 1). */
  readonly workers?: number;
  /** A worker that sends no heartbeat for this long is hung (ms). */
  readonly heartbeatTimeoutMs?: number;
  /** Interval of worker heartbeats (ms). */
  readonly heartbeatMs?: number;
  /** A daemon thread that does not answer a stats request for this long is hung (ms). */
  readonly daemonTimeoutMs?: number;
  /** After the stop, how long programs get to return before their connections are closed (ms). */
  readonly graceMs?: number;
  /**
   * URL of a module exporting `scenario`, used instead of the registry's
   * scenario of the plan (tests; workloads kept outside scenarios/).
   */
  readonly scenarioModule?: string;
  /**
   * Called with the daemon thread's stats at the start and at the stop of
   * the measured window (engine targets): calibration prices the engine's
   * work in the pipeline from the counters' increase over the window.
   */
  readonly onWindow?: (start: DaemonThreadStats, stop: DaemonThreadStats) => void;
}

/** Defaults of {@link RealDriverOptions}. */
export const REAL_DRIVER_DEFAULTS = {
  heartbeatTimeoutMs: 5000,
  heartbeatMs: 250,
  daemonTimeoutMs: 10000,
  graceMs: 2000,
} as const;

/** A run ended by the watchdog or by a failing actor. */
export class RunFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunFailedError';
  }
}

/** Creates the real-time driver. */
export function createRealDriver(options: RealDriverOptions = {}): Driver {
  return { name: 'real', run: (plan, onProgress) => runReal(plan, options, onProgress) };
}

/** Paths the scenarios write: removed before a run on an external daemon, whose store outlives runs. */
const SCENARIO_ROOTS = ['/local/domain', '/vm', '/libxl', '/shared', '/bigstore'];

interface WorkerState {
  readonly index: number;
  readonly worker: Worker;
  readonly actorIds: string[];
  lastBeat: number;
  connected: boolean;
  snapshot?: MetricsSnapshot;
  /** Event-loop active time and ring wake-ups over the window (ring targets). */
  thread?: { activeMs: number; wakes: number };
  totals: { requests: number; commits: number; eagain: number; events: Record<string, number> };
  exited: boolean;
}

async function runReal(plan: RunPlan, options: RealDriverOptions, onProgress?: ProgressListener): Promise<RunResult> {
  const opts = { ...REAL_DRIVER_DEFAULTS, ...options };
  const scenario = options.scenarioModule
    ? ((await import(options.scenarioModule)) as { scenario: AnyScenario }).scenario
    : getScenario(plan.scenario);
  const params = plan.params as Record<string, ParamValue>;
  const clock = realClock;
  const durationMs = plan.durationS * 1000;
  const bucketMs = bucketMsFor(durationMs);
  const all = scenario.actors(params, plan.guests) as ActorSpec<Record<string, ParamValue>>[];
  const workerCount = Math.max(1, Math.min(all.length, options.workers ?? availableParallelism() - 1));

  let daemon: DaemonThread | undefined;
  const workers: WorkerState[] = [];
  let failure: Error | undefined;
  let wake: () => void = () => {};
  const fail = (error: Error) => {
    failure ??= error;
    wake();
  };
  const timers: ReturnType<typeof setInterval>[] = [];
  let lastStats: DaemonThreadStats | undefined;
  let engineDir: string | undefined;

  try {
    // The daemon and a dom0 connection for setup.
    let setupClient: XsApi;
    if (plan.target.kind === 'engine') {
      engineDir = makeScratchDir('xstorm-real-');
      daemon = await startDaemonThread({ engine: plan.target.engine, engineOptions: { dir: engineDir } });
      daemon.onError((e) => fail(new RunFailedError(e.message, { cause: e })));
      setupClient = new XsClient(new RingClientTransport(await daemon.attach(0)), { clock });
    } else {
      setupClient = new XsClient(await connectUnixSocket(plan.target.path), { clock });
      for (const root of SCENARIO_ROOTS) {
        try {
          await setupClient.rm(root);
        } catch (error) {
          if ((error as { code?: string }).code !== 'ENOENT') throw error;
        }
      }
    }
    await scenario.setup({ client: setupClient, params, guests: plan.guests, random: createRandom(plan.seed, 'setup') });
    setupClient.close();

    // One connection per actor, actors dealt round-robin to the workers.
    const connections: Record<string, ConnectionSpec>[] = Array.from({ length: workerCount }, () => ({}));
    const positions: number[][] = Array.from({ length: workerCount }, () => []);
    for (const [i, actor] of all.entries()) {
      const w = i % workerCount;
      positions[w]!.push(i);
      connections[w]![actor.id] = plan.target.kind === 'engine'
        ? { kind: 'ring', endpoint: await daemon!.attach(actor.domid) }
        : { kind: 'socket', path: plan.target.path };
    }
    const stopFlag = new SharedArrayBuffer(4);
    const stopWords = new Int32Array(stopFlag);
    const watchedClasses = new Set(scenario.endWhenDone);
    let watchedLeft = all.filter((a) => watchedClasses.has(a.actorClass)).length;
    let actorsLeft = all.length;
    let endedBy: 'duration' | 'endWhenDone' | 'allDone' | undefined;
    const guestActors = plan.arrivalRate ? all.filter((a) => a.isGuest).length : 0;

    for (let w = 0; w < workerCount; w++) {
      const init: WorkerInit = {
        __module: WORKER_MODULE,
        workerIndex: w,
        scenario: plan.scenario,
        ...(options.scenarioModule ? { scenarioModule: options.scenarioModule } : {}),
        params,
        guests: plan.guests,
        seed: plan.seed,
        bucketMs,
        positions: positions[w]!,
        connections: connections[w]!,
        stopFlag,
        heartbeatMs: opts.heartbeatMs,
        ...(plan.arrivalRate && guestActors ? { arrivalRatePerActor: plan.arrivalRate / guestActors } : {}),
      };
      const worker = new Worker(BOOTSTRAP, { workerData: init });
      const state: WorkerState = {
        index: w, worker, actorIds: positions[w]!.map((i) => all[i]!.id), lastBeat: clock.now(), connected: false,
        totals: { requests: 0, commits: 0, eagain: 0, events: {} }, exited: false,
      };
      const name = () => describeWorker(state);
      worker.on('message', (msg: WorkerToMain) => {
        state.lastBeat = clock.now();
        switch (msg.type) {
          case 'connected':
            state.connected = true;
            wake();
            break;
          case 'heartbeat':
            state.totals = { requests: msg.requests, commits: msg.commits, eagain: msg.eagain, events: msg.events };
            break;
          case 'actorDone':
            if (msg.error) fail(new RunFailedError(`${msg.error} (in ${name()})`));
            actorsLeft--;
            if (watchedClasses.has(msg.actorClass)) watchedLeft--;
            if (watchedClasses.size > 0 && watchedLeft === 0) endedBy ??= 'endWhenDone';
            else if (actorsLeft === 0) endedBy ??= 'allDone';
            wake();
            break;
          case 'snapshot':
            state.snapshot = msg.snapshot;
            if (msg.thread) state.thread = msg.thread;
            wake();
            break;
          case 'fatal':
            fail(new RunFailedError(`${name()} failed: ${msg.error}`));
            break;
        }
      });
      worker.on('error', (e) => fail(new RunFailedError(`${name()} crashed: ${e.stack ?? e.message}`, { cause: e })));
      worker.on('exit', (code) => {
        state.exited = true;
        if (!state.snapshot) fail(new RunFailedError(`${name()} exited (code ${code}) before reporting its metrics`));
      });
      workers.push(state);
    }

    // Watchdog: worker heartbeats and daemon liveness, checked every 250 ms.
    let statsInFlight: { since: number } | undefined;
    timers.push(setInterval(() => {
      const now = clock.now();
      for (const w of workers) {
        // Before its first message a worker is still loading (tsx compiles on the fly): the connect timeout covers it.
        if (w.connected && !w.snapshot && !w.exited && now - w.lastBeat > opts.heartbeatTimeoutMs) {
          fail(new RunFailedError(`${describeWorker(w)} hung: no heartbeat for ${((now - w.lastBeat) / 1000).toFixed(1)} s`));
        }
      }
      if (daemon) {
        if (statsInFlight && now - statsInFlight.since > opts.daemonTimeoutMs) {
          fail(new RunFailedError(`daemon thread (engine ${daemon.engine}) hung: no answer for ${((now - statsInFlight.since) / 1000).toFixed(1)} s`));
        } else if (!statsInFlight) {
          const since = now;
          statsInFlight = { since };
          daemon.stats().then((s) => {
            lastStats = s;
            statsInFlight = undefined;
          }, (e: Error) => fail(new RunFailedError(`daemon thread (engine ${daemon!.engine}) failed: ${e.message}`, { cause: e })));
        }
      }
    }, 250));

    const until = async (condition: () => boolean, what: string, timeoutMs = Infinity): Promise<void> => {
      const deadline = clock.now() + timeoutMs;
      while (!failure && !condition()) {
        const left = deadline - clock.now();
        if (left <= 0) throw new RunFailedError(`timed out ${what}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 250));
        });
      }
      if (failure) throw failure;
    };

    await until(() => workers.every((w) => w.connected), 'connecting the actors', 60000);
    const externalPid = plan.target.kind === 'socket' ? daemonPidForSocket(plan.target.path) : null;
    const externalBefore = externalPid ? readProcStats(externalPid) : null;
    const daemonAtStart = daemon ? await daemon.stats() : undefined;
    const originMs = clock.now();
    for (const w of workers) w.worker.postMessage({ type: 'start', originMs } satisfies MainToWorker);
    const startsExpected = plan.scenario === 'paper-7.3' || plan.scenario === 'boot-storm';
    timers.push(setInterval(() => {
      const elapsed = clock.now() - originMs;
      const sum = workers.reduce((t, w) => ({ commits: t.commits + w.totals.commits, eagain: t.eagain + w.totals.eagain, started: t.started + (w.totals.events['guestStarted'] ?? 0) }), { commits: 0, eagain: 0, started: 0 });
      const note = `${sum.commits} commits, ${sum.eagain} eagain${startsExpected ? `, ${sum.started}/${plan.guests} started` : ''}`;
      onProgress?.(Math.min(1, startsExpected ? Math.max(elapsed / durationMs, sum.started / plan.guests) : elapsed / durationMs), note);
    }, 250));

    await until(() => endedBy !== undefined || clock.now() - originMs >= durationMs, 'running');
    endedBy ??= 'duration';
    const stopMs = Math.min(clock.now(), originMs + durationMs);
    Atomics.store(stopWords, 0, 1);
    const daemonAtStop = daemon ? await daemon.stats() : undefined;
    if (daemonAtStart && daemonAtStop) options.onWindow?.(daemonAtStart, daemonAtStop);
    for (const w of workers) w.worker.postMessage({ type: 'collect', stopMs, graceMs: opts.graceMs } satisfies MainToWorker);
    await until(() => workers.every((w) => w.snapshot), 'collecting the metrics', opts.graceMs + opts.heartbeatTimeoutMs + 5000);

    let engineCounters: Record<string, number> = {};
    let daemonFigures: { cpuMs: number | null; rssBytes: number | null } = { cpuMs: null, rssBytes: null };
    if (daemon) {
      const stats = await daemon.stats();
      lastStats = stats;
      engineCounters = { ...stats.engineCounters };
      daemonFigures = { cpuMs: stats.cpuMs, rssBytes: stats.rssBytes };
    } else if (externalPid && externalBefore) {
      const after = readProcStats(externalPid);
      if (after) daemonFigures = { cpuMs: after.cpuMs - externalBefore.cpuMs, rssBytes: after.rssBytes };
    }
    const snapshot = mergeSnapshots(workers.map((w) => w.snapshot!));
    return buildRunResult(plan, scenario, {
      driver: 'real',
      snapshot,
      durationS: (stopMs - originMs) / 1000,
      engineCounters,
      daemon: daemonFigures,
      extra: {
        workers: workerCount,
        endedEarly: endedBy === 'duration' ? 0 : 1,
        ...(daemonAtStart && daemonAtStop ? threadFigures(workers, daemonAtStart, daemonAtStop) : {}),
      },
    });
  } finally {
    for (const t of timers) clearInterval(t);
    await Promise.all(workers.map((w) => w.worker.terminate().catch(() => 0)));
    if (daemon) await daemon.stop().catch(() => undefined);
    if (engineDir) removeScratchDir(engineDir);
    void lastStats;
  }
}

/**
 * Where the threads' time went over the measured window (ring targets):
 * the client threads' event-loop active time and wake-ups, the daemon
 * thread's busy time, wake-ups, time inside processNext and requests served.
 * `xstorm calibrate` fits a price per wake-up and per request from these.
 */
function threadFigures(workers: readonly WorkerState[], start: DaemonThreadStats, stop: DaemonThreadStats): Record<string, number> {
  if (!workers.every((w) => w.thread)) return {};
  return {
    'threads.clientThreads': workers.length,
    'threads.clientActiveMs': workers.reduce((t, w) => t + w.thread!.activeMs, 0),
    'threads.clientWakes': workers.reduce((t, w) => t + w.thread!.wakes, 0),
    'threads.daemonBusyMs': stop.cpuMs - start.cpuMs,
    'threads.daemonServiceMs': stop.serviceMs - start.serviceMs,
    'threads.daemonWakes': stop.wakes - start.wakes,
    'threads.daemonRequests': stop.daemon.requests - start.daemon.requests,
  };
}

function describeWorker(w: WorkerState): string {
  const shown = w.actorIds.slice(0, 4).join(', ');
  const more = w.actorIds.length > 4 ? `, … ${w.actorIds.length} actors` : '';
  return `worker ${w.index} (${shown}${more})`;
}
