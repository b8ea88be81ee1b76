/**
 * The real-time driver's worker pool: the actors of a run dealt round-robin
 * to worker threads (many per thread, each actor on its own connection),
 * and what the main thread knows of each worker: connected, its latest
 * heartbeat and totals, its final metrics snapshot. A worker that crashes,
 * exits before reporting, reports a fatal error or an actor's failure is
 * reported through `onFailure`/`onActorDone`; {@link WorkerPool.hungWorker}
 * names one that stopped sending heartbeats (the watchdog asks).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ActorSpec, ParamValue } from '../../scenarios/types.ts';
import type { MetricsSnapshot } from '../metrics.ts';
import type { ConnectionSpec, MainToWorker, WorkerInit, WorkerToMain } from './messages.ts';

const BOOTSTRAP = fileURLToPath(new URL('../worker-bootstrap.js', import.meta.url));
const WORKER_MODULE = new URL('./worker.ts', import.meta.url).href;

/** A run ended by the watchdog or by a failing actor. */
export class RunFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunFailedError';
  }
}

/** The fields of {@link WorkerInit} that every worker of a run shares. */
export type SharedWorkerInit = Omit<WorkerInit, '__module' | '__sourceOnly' | 'workerIndex' | 'positions' | 'connections' | 'stopFlag'>;

/** Options of {@link WorkerPool.start}. */
export interface WorkerPoolOptions {
  readonly workerCount: number;
  /** Every actor of the run, in `scenario.actors(...)` order. */
  readonly actors: readonly ActorSpec<Record<string, ParamValue>>[];
  readonly init: SharedWorkerInit;
  /** The connection of one actor (a ring from the daemon thread, or the socket path). */
  readonly connectionFor: (actor: ActorSpec<Record<string, ParamValue>>) => Promise<ConnectionSpec>;
  /** Clock of heartbeats (ms). */
  readonly now: () => number;
  /** An actor's program returned (`error`: it failed before the run was stopping). */
  readonly onActorDone: (actorClass: string, error?: Error) => void;
  /** A worker failed (crash, fatal error, exit before its snapshot). */
  readonly onFailure: (error: Error) => void;
}

/** Running totals of all workers (from their heartbeats). */
export interface PoolTotals {
  readonly requests: number;
  readonly commits: number;
  readonly eagain: number;
  readonly events: Record<string, number>;
}

/** One worker thread as the main thread sees it. */
export interface WorkerState {
  readonly index: number;
  readonly worker: Worker;
  readonly actorIds: readonly string[];
  lastBeat: number;
  connected: boolean;
  snapshot?: MetricsSnapshot;
  /** Event-loop active time and ring wake-ups over the window (ring targets). */
  thread?: { activeMs: number; wakes: number };
  totals: PoolTotals;
  exited: boolean;
}

/** The workers of one run. */
export class WorkerPool {
  readonly #workers: WorkerState[] = [];
  readonly #stopWords: Int32Array;
  readonly #waiters = new Set<() => void>();

  private constructor(stopFlag: SharedArrayBuffer) {
    this.#stopWords = new Int32Array(stopFlag);
  }

  /** Opens every actor's connection and starts the workers (they connect, then wait for {@link begin}). */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const count = options.workerCount;
    const connections: Record<string, ConnectionSpec>[] = Array.from({ length: count }, () => ({}));
    const positions: number[][] = Array.from({ length: count }, () => []);
    for (const [i, actor] of options.actors.entries()) {
      const w = i % count;
      positions[w]!.push(i);
      connections[w]![actor.id] = await options.connectionFor(actor);
    }
    const stopFlag = new SharedArrayBuffer(4);
    const pool = new WorkerPool(stopFlag);
    for (let w = 0; w < count; w++) {
      const init: WorkerInit = { ...options.init, __module: WORKER_MODULE, __sourceOnly: options.init.scenarioModule !== undefined, workerIndex: w, positions: positions[w]!, connections: connections[w]!, stopFlag };
      pool.#spawn(w, init, positions[w]!.map((i) => options.actors[i]!.id), options);
    }
    return pool;
  }

  #spawn(index: number, init: WorkerInit, actorIds: readonly string[], options: WorkerPoolOptions): void {
    const worker = new Worker(BOOTSTRAP, { workerData: init });
    const state: WorkerState = {
      index, worker, actorIds, lastBeat: options.now(), connected: false,
      totals: { requests: 0, commits: 0, eagain: 0, events: {} }, exited: false,
    };
    const name = () => describeWorker(state);
    worker.on('message', (msg: WorkerToMain) => {
      state.lastBeat = options.now();
      switch (msg.type) {
        case 'connected':
          state.connected = true;
          break;
        case 'heartbeat':
          state.totals = { requests: msg.requests, commits: msg.commits, eagain: msg.eagain, events: msg.events };
          break;
        case 'actorDone':
          options.onActorDone(msg.actorClass, msg.error ? new RunFailedError(`${msg.error} (in ${name()})`) : undefined);
          break;
        case 'snapshot':
          state.snapshot = msg.snapshot;
          if (msg.thread) state.thread = msg.thread;
          break;
        case 'fatal':
          options.onFailure(new RunFailedError(`${name()} failed: ${msg.error}`));
          break;
      }
      this.#changed();
    });
    worker.on('error', (e) => options.onFailure(new RunFailedError(`${name()} crashed: ${e.stack ?? e.message}`, { cause: e })));
    worker.on('exit', (code) => {
      state.exited = true;
      if (!state.snapshot) options.onFailure(new RunFailedError(`${name()} exited (code ${code}) before reporting its metrics`));
      this.#changed();
    });
    this.#workers.push(state);
  }

  /** The workers, in index order. */
  get workers(): readonly WorkerState[] {
    return this.#workers;
  }

  /** Resolves once every worker has connected its actors. */
  connected(): Promise<void> {
    return this.#until(() => this.#workers.every((w) => w.connected));
  }

  /** Starts every worker's actors; `originMs` is the run's start (realClock time). */
  begin(originMs: number): void {
    for (const w of this.#workers) w.worker.postMessage({ type: 'start', originMs } satisfies MainToWorker);
  }

  /** Tells every actor that the run is ending (the shared stop flag their `stopping()` reads). */
  stop(): void {
    Atomics.store(this.#stopWords, 0, 1);
  }

  /** Asks every worker for its metrics (measured up to `stopMs`); resolves once all have answered. */
  collect(stopMs: number, graceMs: number): Promise<MetricsSnapshot[]> {
    for (const w of this.#workers) w.worker.postMessage({ type: 'collect', stopMs, graceMs } satisfies MainToWorker);
    return this.#until(() => this.#workers.every((w) => w.snapshot)).then(() => this.#workers.map((w) => w.snapshot!));
  }

  /** The sum of the workers' latest heartbeats. */
  totals(): PoolTotals {
    const events: Record<string, number> = {};
    let requests = 0;
    let commits = 0;
    let eagain = 0;
    for (const w of this.#workers) {
      requests += w.totals.requests;
      commits += w.totals.commits;
      eagain += w.totals.eagain;
      for (const [name, n] of Object.entries(w.totals.events)) events[name] = (events[name] ?? 0) + n;
    }
    return { requests, commits, eagain, events };
  }

  /**
   * A connected, still measuring worker whose last message is older than
   * `timeoutMs`, as an error naming it; else undefined. (Before its first
   * message a worker is still loading, tsx compiling on the fly: the
   * connect timeout covers that.)
   */
  hungWorker(now: number, timeoutMs: number): RunFailedError | undefined {
    const hung = this.#workers.find((w) => w.connected && !w.snapshot && !w.exited && now - w.lastBeat > timeoutMs);
    return hung && new RunFailedError(`${describeWorker(hung)} hung: no heartbeat for ${((now - hung.lastBeat) / 1000).toFixed(1)} s`);
  }

  /** Stops every worker thread. */
  async terminate(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.worker.terminate().catch(() => 0)));
  }

  #until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }

  #changed(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** `worker 1 (guest-1, guest-3, … 12 actors)`. */
export function describeWorker(w: WorkerState): string {
  const shown = w.actorIds.slice(0, 4).join(', ');
  const more = w.actorIds.length > 4 ? `, … ${w.actorIds.length} actors` : '';
  return `worker ${w.index} (${shown}${more})`;
}
