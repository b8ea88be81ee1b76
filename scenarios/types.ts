/**
 * What a scenario is: typed, validated parameters plus actor programs written
 * once against the async client ({@link XsApi}) and a {@link Clock}, so the
 * same programs run on every driver (worker_threads in real time, the
 * seeded discrete-event clock, or a socket to a real xenstored).
 */
import type { z } from 'zod';
import type { Clock, XsApi } from '../protocol/types.ts';

/** Parameter values as they appear in results files. */
export type ParamValue = string | number | boolean;

/** Everything an actor program may use. Nothing else: no globals, no wall clock, no Math.random. */
export interface ActorContext<P> {
  /** Unique actor id, e.g. `guest-3`, `toolstack`. */
  readonly id: string;
  /** Actor class (`guest`, `toolstack`, `agent`, ...): livelock verdicts are per class. */
  readonly actorClass: string;
  /** Domain the actor's connection belongs to (0 = dom0, privileged). */
  readonly domid: number;
  /** Index within its class, from 0. */
  readonly index: number;
  /** This actor's own connection to the daemon. */
  readonly client: XsApi;
  /** Driver time (ms). */
  readonly clock: Clock;
  /** Seeded PRNG in [0, 1), private to this actor. */
  readonly random: () => number;
  readonly params: Readonly<P>;
  /** Guest count of this run. */
  readonly guests: number;
  /** True once the run is ending: loops must check it and return. */
  stopping(): boolean;
  /** Records a scenario event at the current clock time, e.g. `record('guestStarted', k)`. */
  record(event: string, value: number): void;
}

/** One actor of a run. Built by `Scenario.actors` in every thread that hosts actors, so programs never cross threads. */
export interface ActorSpec<P> {
  readonly id: string;
  readonly actorClass: string;
  readonly domid: number;
  readonly index: number;
  /** Whether this actor counts as a guest for fairness figures (min/max commits, starved). */
  readonly isGuest: boolean;
  readonly program: (ctx: ActorContext<P>) => Promise<void>;
  /**
   * One unit of the program's loop (e.g. one transaction plus think time),
   * for the open model: the driver calls it at a fixed arrival rate instead
   * of running `program`. Absent: the actor always runs `program`.
   */
  readonly iteration?: (ctx: ActorContext<P>) => Promise<void>;
}

/** What `setup` gets: a dom0 connection to populate the store before actors start. */
export interface SetupContext<P> {
  readonly client: XsApi;
  readonly params: Readonly<P>;
  readonly guests: number;
  readonly random: () => number;
}

/** Figures the SLO is judged on (a subset of the run's result, plus recorded events). */
export interface SloInput {
  readonly guests: number;
  readonly durationS: number;
  readonly commits: number;
  readonly eagain: number;
  readonly goodput: number;
  readonly abortRate: number;
  readonly latencyP99Ms: number;
  readonly livelocked: boolean;
  readonly starved: number;
  /** Recorded events: name → list of (time s, value). */
  readonly events: Readonly<Record<string, readonly { tS: number; value: number }[]>>;
}

/** A built-in workload. */
export interface Scenario<P extends Record<string, ParamValue>> {
  readonly name: string;
  readonly description: string;
  /** Strict zod schema; parsing `{}` yields the defaults (defaults live only here). */
  readonly params: z.ZodType<P>;
  readonly defaultGuests: number;
  /** Default run length in seconds (scenario time: simulated seconds under the sim driver). */
  readonly defaultDurationS: number;
  /** Human statement of the service-level objective that decides "sustained". */
  readonly slo: string;
  /** Populates the store before actors start (e.g. existing domains' subtrees). */
  setup(ctx: SetupContext<P>): Promise<void>;
  /** The actors of a run with `guests` guests. Must be deterministic in (params, guests). */
  actors(params: P, guests: number): ActorSpec<P>[];
  /**
   * Actor classes whose completion ends the run early (e.g. `toolstack` in
   * paper-7.3 once every guest is started); empty: the run lasts its duration.
   */
  readonly endWhenDone: readonly string[];
  /** Decides the SLO. Pure. */
  evaluate(input: SloInput, params: P): { ok: boolean; detail: string };
  /**
   * Run length (scenario seconds) when the user gives none, if it depends on
   * the parameters (e.g. paper-7.3's cap × time scale); else `defaultDurationS`.
   */
  durationS?(params: P): number;
  /**
   * Scenario-specific figures for RunResult.extra (e.g. big-store's
   * `storeNodes`, paper-7.1's `clientsFinished`), from the parameters and,
   * once the run is measured, the SLO's input (its recorded events).
   */
  extra?(params: P, guests: number, input?: SloInput): Record<string, number>;
}

/** A scenario of any parameter type (the registry's element type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyScenario = Scenario<any>;
