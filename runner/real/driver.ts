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
import type { DaemonThreadStats } from '../../daemon/thread.ts';
import type { RunResult } from '../../reports/schema.ts';
import { getScenario } from '../../scenarios/index.ts';
import type { ActorSpec, AnyScenario, ParamValue } from '../../scenarios/types.ts';
import { mergeSnapshots } from '../metrics.ts';
import { buildRunResult } from '../result.ts';
import { runProgress } from '../run-progress.ts';
import { bucketMsFor } from '../session.ts';
import { createRandom } from '../random.ts';
import { StopCondition } from '../stop-condition.ts';
import type { Driver, ProgressListener, RunOptions, RunPlan } from '../types.ts';
import { realClock } from './clock.ts';
import { RunFailedError, WorkerPool } from './pool.ts';
import type { WorkerState } from './pool.ts';
import { openTarget } from './target.ts';
import { startWatchdog } from './watchdog.ts';

export { RunFailedError };

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

/**
 * The run was stopped (its AbortSignal) before its actors started: there is
 * nothing to report.
 */
export class RunStoppedError extends Error {
  constructor(what: string) {
    super(`stopped while ${what}, before the run started: nothing was measured`);
    this.name = 'RunStoppedError';
  }
}

/** Creates the real-time driver. */
export function createRealDriver(options: RealDriverOptions = {}): Driver {
  return { name: 'real', run: (plan, onProgress, runOptions) => runReal(plan, options, onProgress, runOptions) };
}

/** How long the workers get to connect every actor (ms). */
const CONNECT_TIMEOUT_MS = 60000;
/** How often progress is reported (ms). */
const PROGRESS_INTERVAL_MS = 250;

/**
 * One real-time run: open the target, set the store up, start the pool
 * (with its watchdog), measure until the stop condition holds, collect the
 * workers' metrics. Stopped by `runOptions.signal`, it returns what it
 * measured so far, marked partial.
 */
async function runReal(plan: RunPlan, options: RealDriverOptions, onProgress?: ProgressListener, runOptions: RunOptions = {}): Promise<RunResult> {
  const opts = { ...REAL_DRIVER_DEFAULTS, ...options };
  const scenario = options.scenarioModule
    ? ((await import(options.scenarioModule)) as { scenario: AnyScenario }).scenario
    : getScenario(plan.scenario);
  const params = plan.params as Record<string, ParamValue>;
  const clock = realClock;
  const durationMs = plan.durationS * 1000;
  const actors = scenario.actors(params, plan.guests) as ActorSpec<Record<string, ParamValue>>[];
  const workerCount = Math.max(1, Math.min(actors.length, options.workers ?? availableParallelism() - 1));
  const stop = new StopCondition({
    actorClasses: actors.map((a) => a.actorClass),
    endWhenDone: scenario.endWhenDone,
    ...(runOptions.signal ? { signal: runOptions.signal } : {}),
  });
  const fail = (error: Error) => stop.fail(error);
  const cleanups: (() => Promise<void> | void)[] = [() => stop.dispose()];
  try {
    const target = await openTarget(plan.target, (e) => fail(new RunFailedError(e.message, { cause: e })));
    cleanups.push(() => target.close());
    if (stoppedBySignal(stop)) throw new RunStoppedError('opening the target');
    await waitFor(stop, scenario.setup({ client: target.setupClient, params, guests: plan.guests, random: createRandom(plan.seed, 'setup') }), 'setting the store up', Infinity, true);
    target.setupClient.close();

    const guestActors = plan.arrivalRate ? actors.filter((a) => a.isGuest).length : 0;
    const pool = await WorkerPool.start({
      workerCount,
      actors,
      init: {
        scenario: plan.scenario,
        ...(options.scenarioModule ? { scenarioModule: options.scenarioModule } : {}),
        params,
        guests: plan.guests,
        seed: plan.seed,
        bucketMs: bucketMsFor(durationMs),
        heartbeatMs: opts.heartbeatMs,
        ...(plan.arrivalRate && guestActors ? { arrivalRatePerActor: plan.arrivalRate / guestActors } : {}),
      },
      connectionFor: (actor) => target.connectionFor(actor.domid),
      now: () => clock.now(),
      onActorDone: (actorClass, error) => stop.actorDone(actorClass, error),
      onFailure: fail,
    });
    cleanups.push(() => pool.terminate());
    cleanups.push(startWatchdog({ pool, daemon: target.daemon, heartbeatTimeoutMs: opts.heartbeatTimeoutMs, daemonTimeoutMs: opts.daemonTimeoutMs, now: () => clock.now(), onFailure: fail }));
    await waitFor(stop, pool.connected(), 'connecting the actors', CONNECT_TIMEOUT_MS, true);

    // Measure: from the start message until the stop condition holds.
    await target.markStart();
    const originMs = clock.now();
    pool.begin(originMs);
    const progress = setInterval(() => {
      const { fraction, note } = runProgress({ elapsedMs: clock.now() - originMs, durationMs, guests: plan.guests, ...pool.totals() });
      onProgress?.(fraction, note);
    }, PROGRESS_INTERVAL_MS);
    const expiry = setTimeout(() => stop.end('duration'), durationMs);
    await stop.settled;
    clearInterval(progress);
    clearTimeout(expiry);
    if (stop.failure) throw stop.failure;
    const endedBy = stop.reason!;
    const stopMs = Math.min(clock.now(), originMs + durationMs);
    pool.stop();
    const window = await target.markStop();
    if (window) options.onWindow?.(window.start, window.stop);
    const snapshots = await waitFor(stop, pool.collect(stopMs, opts.graceMs), 'collecting the metrics', opts.graceMs + opts.heartbeatTimeoutMs + 5000, false);
    const figures = await target.figures();
    return buildRunResult(plan, scenario, {
      driver: 'real',
      snapshot: mergeSnapshots(snapshots),
      durationS: (stopMs - originMs) / 1000,
      engineCounters: figures.engineCounters,
      daemon: figures.daemon,
      ...(endedBy === 'stopped' ? { partial: true } : {}),
      extra: {
        workers: workerCount,
        endedEarly: endedBy === 'duration' ? 0 : 1,
        ...(window ? threadFigures(pool.workers, window.start, window.stop) : {}),
      },
    });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

/** Whether the run's signal stopped it (a function, so that TypeScript does not narrow `stop.reason` for later reads). */
function stoppedBySignal(stop: StopCondition): boolean {
  return stop.reason === 'stopped';
}

/**
 * Waits for `work`, failing with the run's failure as soon as there is one,
 * with a timeout (`what` names the step), and, before the actors start
 * (`beforeStart`), with {@link RunStoppedError} as soon as the run is
 * stopped by its signal.
 */
function waitFor<T>(stop: StopCondition, work: Promise<T>, what: string, timeoutMs: number, beforeStart: boolean): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const check = () => {
      if (stop.failure) reject(stop.failure);
      else if (beforeStart && stoppedBySignal(stop)) reject(new RunStoppedError(what));
    };
    check();
    const unsubscribe = stop.onChange(check);
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => reject(new RunFailedError(`timed out ${what}`)), timeoutMs) : undefined;
    work.then(resolve, reject).finally(() => {
      unsubscribe();
      clearTimeout(timer);
    });
  });
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
