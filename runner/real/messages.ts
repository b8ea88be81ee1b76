/**
 * Typed messages between the real-time driver's main thread and its
 * worker threads (each hosting many actors).
 */
import type { RingEndpoint } from '../../protocol/ring.ts';
import type { ParamValue } from '../../scenarios/types.ts';
import type { MetricsSnapshot } from '../metrics.ts';

/** How an actor reaches the daemon: a ring endpoint from the daemon thread, or a Unix socket. */
export type ConnectionSpec =
  | { readonly kind: 'ring'; readonly endpoint: RingEndpoint }
  | { readonly kind: 'socket'; readonly path: string };

/** A worker's `workerData`. */
export interface WorkerInit {
  /** Module the bootstrap imports (runner/real/worker.ts). */
  readonly __module: string;
  /** Load `__module` through tsx, not compiled (set with `scenarioModule`: see runner/compile-cache.js). */
  readonly __sourceOnly: boolean;
  readonly workerIndex: number;
  readonly scenario: string;
  /** Module whose `scenario` export replaces the registry's (tests, plug-in workloads). */
  readonly scenarioModule?: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly guests: number;
  readonly seed: number;
  readonly bucketMs: number;
  /** Positions (in `scenario.actors(...)`) of the actors this worker hosts. */
  readonly positions: readonly number[];
  /** Connection of each hosted actor, by actor id. */
  readonly connections: Readonly<Record<string, ConnectionSpec>>;
  /** Int32[1]: set to 1 by the main thread when the run stops. */
  readonly stopFlag: SharedArrayBuffer;
  readonly heartbeatMs: number;
  readonly arrivalRatePerActor?: number;
}

/** Main → worker. */
export type MainToWorker =
  /** Every worker is connected: start the actors; `originMs` is the run's start (realClock time). */
  | { readonly type: 'start'; readonly originMs: number }
  /** The run stopped at `stopMs`: let programs return for `graceMs`, close, send the snapshot. */
  | { readonly type: 'collect'; readonly stopMs: number; readonly graceMs: number };

/** Worker → main. */
export type WorkerToMain =
  | { readonly type: 'connected' }
  | { readonly type: 'heartbeat'; readonly requests: number; readonly commits: number; readonly eagain: number; readonly events: Record<string, number> }
  | { readonly type: 'actorDone'; readonly actorId: string; readonly actorClass: string; readonly error?: string }
  /**
   * The worker's metrics; `thread`: its event loop's active time and ring
   * wake-ups between 'start' and 'collect'.
   */
  | { readonly type: 'snapshot'; readonly snapshot: MetricsSnapshot; readonly thread?: { readonly activeMs: number; readonly wakes: number } }
  | { readonly type: 'fatal'; readonly error: string };
