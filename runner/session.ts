/**
 * Running a scenario's actors, independent of the driver: the real-time
 * driver hosts a slice of the actors in each worker thread
 * ({@link hostActors}), the simulated driver runs everything on its
 * discrete-event clock ({@link runSession}). Either way the driver supplies
 * the connections (`connect`) and the {@link Clock}; this module supplies
 * seeded per-actor PRNGs, the stop logic and the metrics recorder.
 */
import type { Clock, ClientObserver, XsApi } from '../protocol/types.ts';
import type { ActorContext, ActorSpec, AnyScenario, ParamValue } from '../scenarios/types.ts';
import { MetricsRecorder } from './metrics.ts';
import type { MetricsSnapshot } from './metrics.ts';
import { createRandom } from './random.ts';
import { runProgress } from './run-progress.ts';
import { StopCondition } from './stop-condition.ts';
import type { EndReason } from './stop-condition.ts';

/** Opens a connection for an actor (its domain), measured by `observer`. */
export type Connector = (actor: ActorSpec<Record<string, ParamValue>>, observer: ClientObserver) => Promise<XsApi>;

/** An actor program failed before the run was stopping. */
export class ActorError extends Error {
  readonly actorId: string;

  constructor(actorId: string, cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    super(`actor ${actorId} failed: ${text}`, { cause });
    this.name = 'ActorError';
    this.actorId = actorId;
  }
}

/** Bucket width (ms) for a run of `durationMs`: ~40 buckets, between 10 ms and 1 s. */
export function bucketMsFor(durationMs: number): number {
  return Math.min(1000, Math.max(10, Math.round(durationMs / 40)));
}

/** Options of {@link hostActors}. */
export interface HostActorsOptions {
  readonly scenario: AnyScenario;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly guests: number;
  readonly seed: number;
  readonly clock: Clock;
  /**
   * Clock time of the run's start, shared by every host of the run; or a
   * function called once every actor is connected that resolves to it (a
   * driver uses it to start every thread's actors together).
   */
  readonly originMs: number | (() => Promise<number>);
  readonly bucketMs: number;
  readonly connect: Connector;
  /** Which actors this host runs (by position in `scenario.actors(...)`); default all. */
  readonly select?: (actor: ActorSpec<Record<string, ParamValue>>, position: number) => boolean;
  /** The run is ending (shared flag, e.g. from the driver's main thread). */
  readonly isStopping: () => boolean;
  /**
   * Open model: each actor that has an `iteration` runs it at this rate
   * (iterations/s) instead of looping its program; an arrival that finds
   * the previous iteration still running is dropped (counted as
   * `droppedIterations`). Absent: closed model.
   */
  readonly arrivalRatePerActor?: number;
  /** Called when an actor's program returns (error set if it threw before the run was stopping). */
  readonly onActorDone?: (actor: ActorSpec<Record<string, ParamValue>>, error?: ActorError) => void;
}

/** Actors running on one host. */
export interface ActorHost {
  readonly recorder: MetricsRecorder;
  /** The hosted actors, in order. */
  readonly actors: readonly ActorSpec<Record<string, ParamValue>>[];
  /** Resolves when every hosted program has returned (never rejects; errors go to onActorDone). */
  readonly settled: Promise<void>;
  /** Closes every connection (pending calls reject, looping programs end). */
  close(): void;
}

/**
 * Connects and starts the selected actors of a scenario. Each actor gets
 * its own connection (of its domain), an observer of the host's recorder,
 * and a PRNG seeded from (seed, actor id), so its choices do not depend on
 * which thread hosts it.
 */
export async function hostActors(options: HostActorsOptions): Promise<ActorHost> {
  const { scenario, params, guests, seed, clock } = options;
  const all = scenario.actors(params, guests) as ActorSpec<Record<string, ParamValue>>[];
  const actors = all.filter((actor, i) => options.select?.(actor, i) ?? true);
  const clients: XsApi[] = [];
  let closed = false;
  // Observers exist before the recorder (whose origin may not be known yet): they forward to it once it exists.
  let recorder: MetricsRecorder | undefined;
  const observers = actors.map((actor): ClientObserver => {
    let target: ClientObserver | undefined;
    const bound = () => (target ??= recorder?.observer(actor));
    return {
      onRequest: (type, startMs, endMs, error) => bound()?.onRequest?.(type, startMs, endMs, error),
      onTransaction: (attempts, startMs, endMs, committed) => bound()?.onTransaction?.(attempts, startMs, endMs, committed),
    };
  });
  for (let i = 0; i < actors.length; i++) clients.push(await options.connect(actors[i]!, observers[i]!));
  const originMs = typeof options.originMs === 'number' ? options.originMs : await options.originMs();
  const rec = new MetricsRecorder({ originMs, bucketMs: options.bucketMs, clock });
  recorder = rec;
  // Register every actor now so that one that never commits still counts (e.g. as starved).
  for (const actor of actors) rec.observer(actor);
  const contexts: ActorContext<Record<string, ParamValue>>[] = [];
  for (const [i, actor] of actors.entries()) {
    const client = clients[i]!;
    contexts.push({
      id: actor.id,
      actorClass: actor.actorClass,
      domid: actor.domid,
      index: actor.index,
      client,
      clock,
      random: createRandom(seed, actor.id),
      params,
      guests,
      stopping: () => closed || options.isStopping(),
      record: (event, value) => rec.record(event, value),
    });
  }
  const settled = Promise.all(
    actors.map(async (actor, i) => {
      const ctx = contexts[i]!;
      try {
        if (options.arrivalRatePerActor && actor.iteration) await openLoop(ctx, actor.iteration, options.arrivalRatePerActor, rec);
        else await actor.program(ctx);
        options.onActorDone?.(actor);
      } catch (error) {
        options.onActorDone?.(actor, ctx.stopping() ? undefined : new ActorError(actor.id, error));
      }
    }),
  ).then(() => undefined);
  return {
    recorder: rec,
    actors,
    settled,
    close() {
      closed = true;
      for (const client of clients) client.close();
    },
  };
}

/**
 * Runs `iteration` at `ratePerS` from a random phase; arrivals that come
 * while an iteration is still running are dropped and counted.
 */
async function openLoop<P>(ctx: ActorContext<P>, iteration: (ctx: ActorContext<P>) => Promise<void>, ratePerS: number, recorder: MetricsRecorder): Promise<void> {
  const intervalMs = 1000 / ratePerS;
  let next = ctx.clock.now() + ctx.random() * intervalMs;
  while (!ctx.stopping()) {
    const wait = next - ctx.clock.now();
    if (wait > 0) await ctx.clock.sleep(wait);
    if (ctx.stopping()) break;
    await iteration(ctx);
    next += intervalMs;
    const now = ctx.clock.now();
    while (next < now) {
      recorder.count('droppedIterations');
      next += intervalMs;
    }
  }
}

/** Options of {@link runSession}. */
export interface SessionOptions {
  readonly scenario: AnyScenario;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly guests: number;
  readonly seed: number;
  /** Longest run (scenario seconds of `clock`). */
  readonly durationS: number;
  readonly clock: Clock;
  readonly connect: Connector;
  /** A dom0 connection for `setup` (closed by the caller). */
  readonly setupClient: XsApi;
  /** After the stop, how long (clock ms) programs get to return before connections are closed. Default 2000. */
  readonly graceMs?: number;
  /** Progress (0..1) every 1% of the duration. */
  readonly onProgress?: (fraction: number, note: string) => void;
  /** Open model rate per actor (see {@link HostActorsOptions.arrivalRatePerActor}). */
  readonly arrivalRatePerActor?: number;
  /** Aborting it stops the run at the current clock time (`endedBy: 'stopped'`). */
  readonly signal?: AbortSignal;
}

/** What {@link runSession} measured. */
export interface SessionOutcome {
  readonly snapshot: MetricsSnapshot;
  /** Measured length (s): from the actors' start to the stop. */
  readonly durationS: number;
  /** Why the run ended. */
  readonly endedBy: EndReason;
}

/**
 * Runs a whole scenario on one host: setup, then every actor, until the
 * duration elapses, or the `endWhenDone` classes have all returned, or
 * every actor has returned. Rejects with {@link ActorError} when a program
 * fails before the stop.
 */
export async function runSession(options: SessionOptions): Promise<SessionOutcome> {
  const { scenario, params, guests, seed, clock } = options;
  await scenario.setup({ client: options.setupClient, params, guests, random: createRandom(seed, 'setup') });
  const durationMs = options.durationS * 1000;
  const all = scenario.actors(params, guests);
  const stop = new StopCondition({
    actorClasses: all.map((a) => a.actorClass),
    endWhenDone: scenario.endWhenDone,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Actors see the stop once this function has resumed from the wait below (not at the instant it is decided).
  let stopping = false;
  const originMs = clock.now();
  const host = await hostActors({
    scenario, params, guests, seed, clock, originMs,
    bucketMs: bucketMsFor(durationMs),
    connect: options.connect,
    isStopping: () => stopping,
    ...(options.arrivalRatePerActor ? { arrivalRatePerActor: options.arrivalRatePerActor } : {}),
    onActorDone: (actor, error) => stop.actorDone(actor.actorClass, error),
  });
  void (async () => {
    const step = durationMs / 100;
    for (let i = 1; i <= 100 && !stopping; i++) {
      await clock.sleep(step);
      if (!stopping && options.onProgress) {
        const { fraction, note } = runProgress({ elapsedMs: i * step, durationMs, guests, ...host.recorder.totals() });
        options.onProgress(fraction, note);
      }
    }
    stop.end('duration');
  })();
  await stop.settled;
  stopping = true;
  stop.dispose();
  const stopMs = Math.min(clock.now(), originMs + durationMs);
  host.recorder.close(stopMs);
  await Promise.race([host.settled, clock.sleep(options.graceMs ?? 2000)]);
  host.close();
  await host.settled;
  if (stop.failedFirst) throw stop.failure;
  return { snapshot: host.recorder.snapshot(), durationS: (stopMs - originMs) / 1000, endedBy: stop.reason! };
}
