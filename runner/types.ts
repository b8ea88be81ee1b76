/**
 * The seam between what to run (a {@link RunPlan}) and how (a {@link Driver}:
 * real-time worker_threads, simulated clock). Every driver returns the same
 * {@link RunResult} (reports/schema.ts).
 */
import type { EngineKind } from '../engines/index.ts';
import type { RunResult } from '../reports/schema.ts';
import type { ParamValue } from '../scenarios/types.ts';

/** Where the guests' requests go. */
export type Target =
  /** xstorm's daemon in-process, on one engine. */
  | { readonly kind: 'engine'; readonly engine: EngineKind }
  /** Any xenstored over its Unix socket; `label` names it in results (e.g. `oxenstored`). */
  | { readonly kind: 'socket'; readonly path: string; readonly label: string };

/** One run: a single cell of a sweep grid. */
export interface RunPlan {
  readonly scenario: string;
  /** Validated scenario parameters (defaults applied). */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly guests: number;
  readonly seed: number;
  /** Run length in scenario seconds. */
  readonly durationS: number;
  readonly target: Target;
  /** Repetition index within a sweep, from 0. */
  readonly rep: number;
  /** Cost profile name (simulated driver only). */
  readonly profile?: string;
  /**
   * Open model: iterations per second over all guests (each guest actor
   * with an `iteration` gets arrivalRate / guests); absent: closed model
   * (every guest loops as fast as its program goes).
   */
  readonly arrivalRate?: number;
}

/** Progress of a run, for progress bars (stderr). */
export type ProgressListener = (fraction: number, note: string) => void;

/** Options of one {@link Driver.run}. */
export interface RunOptions {
  /**
   * Aborting it stops the run at once (SIGINT in the CLI): the driver
   * returns what it measured so far with `status: 'partial'`. A driver that
   * cannot stop part-way finishes the run.
   */
  readonly signal?: AbortSignal;
}

/** Executes run plans. */
export interface Driver {
  readonly name: 'real' | 'sim';
  run(plan: RunPlan, onProgress?: ProgressListener, options?: RunOptions): Promise<RunResult>;
}
