/**
 * The daemon on its own worker thread, serving guests over rings
 * (protocol/ring.ts), as the real-time driver needs: guests on other
 * threads attach, get a {@link RingEndpoint} and talk to it with a
 * `RingClientTransport`.
 *
 * Control (attach, detach, stats, stop) goes over a MessageChannel that
 * the worker polls with `receiveMessageOnPort` (its loop never returns to
 * the event loop); every control message also rings the daemon bell so
 * the worker wakes at once. See daemon/worker.ts for the loop.
 */
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { EngineKind, EngineOptions } from '../engines/types.ts';
import { createDaemonBell, createRingEndpoint, ringBell } from '../protocol/ring.ts';
import type { RingEndpoint } from '../protocol/ring.ts';
import { daemonOptionsSchema } from './options.ts';
import type { SerializableDaemonOptions } from './options.ts';
import type { DaemonStats } from './stats.ts';

/** Options of {@link startDaemonThread}. */
export interface DaemonThreadOptions {
  readonly engine: EngineKind;
  readonly engineOptions?: EngineOptions;
  readonly daemonOptions?: SerializableDaemonOptions;
  /** Requests served between two scans of the rings (default 256). */
  readonly batch?: number;
  /**
   * After a wake-up that served at least 64 requests, how long the thread
   * keeps watching its bell before it sleeps (default 50 µs; 0: sleep at
   * once). A saturated daemon then takes the next round of requests without
   * a futex sleep and wake; one with little to do never polls (calibration's
   * measurements serve at most 16 per wake-up). A poll that catches nothing
   * costs at most this long after ≥ 64 requests' work (~30 µs or more), so
   * at worst it adds under twice the thread's working time. Capping that
   * waste at its working time cost a tenth of the rings' throughput
   * (`npm run bench:daemon`: 0.84–1.05M against 1.01–1.14M reads/s).
   */
  readonly pollMicros?: number;
}

/** What {@link DaemonThread.stats} reports. */
export interface DaemonThreadStats {
  readonly daemon: DaemonStats;
  readonly engineCounters: Record<string, number>;
  /**
   * Milliseconds the daemon thread spent working (not waiting on its bell):
   * the daemon's CPU time (Node 20 has no per-thread CPU clock).
   */
  readonly cpuMs: number;
  /**
   * Times the thread woke from its bell with work to do (an `Atomics.wait`
   * that slept and was rung), and the part of `cpuMs` spent inside
   * `processNext()` (serving requests; the rest is ring and loop overhead).
   * Calibration prices a wake-up and the loop's overhead from these.
   */
  readonly wakes: number;
  readonly serviceMs: number;
  /** Resident set size of the process (shared by all threads). */
  readonly rssBytes: number;
}

/** A running daemon thread. */
export interface DaemonThread {
  readonly engine: EngineKind;
  /**
   * Opens a ring connection for `domid`; hand the endpoint to a
   * `RingClientTransport`. `clientBell` (protocol/ring.ts
   * `createClientBell`): one bell shared by the rings a client thread
   * hosts, so the daemon wakes that thread once per turn, not once per ring.
   */
  attach(domid: number, options?: { readonly clientBell?: SharedArrayBuffer }): Promise<RingEndpoint>;
  /** Closes the daemon side of a ring (aborting its transactions). */
  detach(endpoint: RingEndpoint): Promise<void>;
  stats(): Promise<DaemonThreadStats>;
  /** Stops the loop, closes every ring and the engine, ends the thread. */
  stop(): Promise<void>;
  /** Called when the thread fails (the error names the engine). */
  onError(cb: (e: Error) => void): void;
}

/** Control messages (parent → worker). */
export type ControlRequest =
  | { readonly id: number; readonly op: 'attach'; readonly domid: number; readonly endpoint: RingEndpoint; readonly ring: number }
  | { readonly id: number; readonly op: 'detach'; readonly ring: number }
  | { readonly id: number; readonly op: 'stats' }
  | { readonly id: number; readonly op: 'stop' };

/** Replies (worker → parent). */
export type ControlReply =
  | { readonly id: number; readonly ok: true; readonly value?: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string }
  | { readonly id: -1; readonly ok: false; readonly error: string; readonly fatal: true };

/** Data a worker starts with. */
export interface DaemonWorkerData {
  readonly __module: string;
  readonly engine: EngineKind;
  readonly engineOptions: EngineOptions;
  readonly daemonOptions: SerializableDaemonOptions;
  readonly batch: number;
  readonly pollMicros: number;
  readonly bell: SharedArrayBuffer;
  readonly port: MessagePort;
}

const BOOTSTRAP = fileURLToPath(new URL('../runner/worker-bootstrap.js', import.meta.url));
const WORKER_MODULE = new URL('./worker.ts', import.meta.url).href;

/** Starts a daemon on a new worker thread; resolves once its engine is up. */
export async function startDaemonThread(opts: DaemonThreadOptions): Promise<DaemonThread> {
  const daemonOptions = daemonOptionsSchema.parse(opts.daemonOptions ?? {});
  const bell = createDaemonBell();
  const bellWords = new Int32Array(bell);
  const { port1, port2 } = new MessageChannel();
  const data: DaemonWorkerData = {
    __module: WORKER_MODULE,
    engine: opts.engine,
    engineOptions: opts.engineOptions ?? {},
    daemonOptions,
    batch: opts.batch ?? 256,
    pollMicros: opts.pollMicros ?? 50,
    bell,
    port: port2,
  };
  const worker = new Worker(BOOTSTRAP, { workerData: data, transferList: [port2] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const errorListeners: ((e: Error) => void)[] = [];
  let nextId = 1;
  // SharedArrayBuffers get a new wrapper object per postMessage: rings are named by number.
  const rings = new WeakMap<SharedArrayBuffer, number>();
  let nextRing = 1;
  let dead: Error | undefined;
  let stopping = false;

  const fail = (e: Error): void => {
    if (dead) return;
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    for (const l of errorListeners) l(e);
  };
  const onReply = (msg: ControlReply): void => {
    if (!msg.ok && msg.id === -1) {
      fail(new Error(`daemon thread (engine ${opts.engine}) failed: ${msg.error}`));
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else if ('error' in msg) p.reject(new Error(`daemon thread (engine ${opts.engine}): ${msg.error}`));
  };
  port1.on('message', onReply);
  worker.on('error', (e) => fail(new Error(`daemon thread (engine ${opts.engine}) crashed: ${e.stack ?? e.message}`, { cause: e })));
  worker.on('exit', (code) => {
    // The thread's last replies (the one to `stop` above all) may still
    // wait on the port when its exit is reported: take them before closing
    // it, or their callers would wait forever on a process with nothing
    // left to run.
    for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) onReply(m.message as ControlReply);
    if (!stopping || code !== 0) fail(new Error(`daemon thread (engine ${opts.engine}) exited with code ${code}`));
    else {
      // Stopped as asked: a call still pending will never be answered.
      dead = new Error(`daemon thread (engine ${opts.engine}) has stopped`);
      for (const p of pending.values()) p.reject(dead);
      pending.clear();
    }
    port1.close();
  });

  type Request = ControlRequest extends infer R ? (R extends ControlRequest ? Omit<R, 'id'> : never) : never;
  const call = <T>(req: Request): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      port1.postMessage({ ...req, id });
      ringBell(bellWords);
    });
  };

  // The worker answers id 0 once the engine is created (or reports -1).
  await new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });

  return {
    engine: opts.engine,
    async attach(domid: number, options: { readonly clientBell?: SharedArrayBuffer } = {}) {
      const endpoint = createRingEndpoint(bell, 0, options.clientBell);
      const ring = nextRing++;
      rings.set(endpoint.sab, ring);
      await call({ op: 'attach', domid, endpoint, ring });
      return endpoint;
    },
    async detach(endpoint: RingEndpoint) {
      const ring = rings.get(endpoint.sab);
      if (ring === undefined) return;
      rings.delete(endpoint.sab);
      await call({ op: 'detach', ring });
    },
    stats() {
      return call<DaemonThreadStats>({ op: 'stats' });
    },
    async stop() {
      if (dead) return;
      stopping = true;
      const exited = new Promise<void>((resolve) => {
        if (worker.threadId < 0) resolve();
        else worker.once('exit', () => resolve());
      });
      // The thread's exit also ends the call (its reply is then taken from the port or known lost).
      await call({ op: 'stop' }).catch(() => undefined);
      await exited;
    },
    onError(cb) {
      errorListeners.push(cb);
      if (dead) cb(dead);
    },
  };
}
