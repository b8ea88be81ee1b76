/**
 * Pricing: a pure function from what the engine reports it did during one
 * request (the increase of its work counters) and the bytes moved, to the
 * daemon's service time. The simulated driver calls it once per request.
 */
import type { CostProfile, EngineCosts } from './schema.ts';
import { engineCosts } from './schema.ts';

/** A profile compiled for one engine: prices as parallel arrays for the hot path. */
export class CostModel {
  readonly profileName: string;
  readonly engine: string;
  readonly requestBaseUs: number;
  readonly daemonPerByteUs: number;
  readonly transportLatencyUs: number;
  readonly transportPerByteUs: number;
  /** Client-thread CPU per request (0: clients have their own CPUs) and the number of such threads. */
  readonly clientPerRequestUs: number;
  readonly clientThreads: number;
  /** Client-thread CPU of one turn's wake-up, shared by the requests of the turn (µs). */
  readonly clientWakeUs: number;
  /** Daemon-thread overhead per request outside the engine, and of a wake-up from sleep (µs). */
  readonly daemonPerRequestUs: number;
  readonly daemonWakeUs: number;
  /** Factor on the engine's work (base + counters) measured in the real-time pipeline (EngineCosts.pipeline; 1 without). */
  readonly serviceScale: number;
  /** Latency of a sleeping modelled thread's wake-up, and the share of its wake-up CPU spent before its first output (CostProfile.wake). */
  readonly wakeLatencyUs: number;
  readonly wakeLeadFraction: number;
  /** Whether the profile models the client threads at all (CostProfile.client). */
  readonly hasClientThreads: boolean;
  /** Whether the daemon works in loop iterations (CostProfile daemon.iterations). */
  readonly daemonIterations: boolean;
  readonly #names: string[];
  readonly #prices: number[];

  constructor(profile: CostProfile, engine: string) {
    const costs: EngineCosts = engineCosts(profile, engine);
    this.profileName = profile.name;
    this.engine = engine;
    this.requestBaseUs = costs.requestBaseUs;
    this.daemonPerByteUs = profile.daemon.perByteUs;
    this.transportLatencyUs = profile.transport.latencyUs;
    this.transportPerByteUs = profile.transport.perByteUs;
    this.clientThreads = profile.client?.threads ?? 1;
    const pipeline = costs.pipeline;
    this.clientPerRequestUs = pipeline?.clientPerRequestUs ?? profile.client?.perRequestUs ?? 0;
    this.clientWakeUs = pipeline?.clientWakeUs ?? profile.client?.wakeUs ?? 0;
    this.daemonPerRequestUs = pipeline?.daemonPerRequestUs ?? profile.daemon.perRequestUs ?? 0;
    this.daemonWakeUs = pipeline?.daemonWakeUs ?? profile.daemon.wakeUs ?? 0;
    this.serviceScale = pipeline?.serviceScale ?? 1;
    this.hasClientThreads = profile.client !== undefined;
    this.wakeLatencyUs = profile.wake?.latencyUs ?? 0;
    this.wakeLeadFraction = profile.wake?.leadFraction ?? 1;
    this.daemonIterations = profile.daemon.iterations ?? false;
    const priced = Object.entries(costs.counters).filter(([, price]) => price > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#names = priced.map(([name]) => name);
    this.#prices = priced.map(([, price]) => price);
  }

  /** Counter names this model prices (price > 0), sorted. */
  get pricedCounters(): readonly string[] {
    return this.#names;
  }

  /**
   * Daemon service time (µs) of one request: the engine's work, (base +
   * Σ price × (after − before) over the priced counters) × the pipeline's
   * service scale, + the daemon loop's overhead per request + per-byte
   * cost of the request and every frame it sent (reply and watch events).
   * A counter missing from a snapshot counts as 0.
   */
  serviceUs(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>, bytesIn: number, bytesOut: number): number {
    // (Summed in this order so that a profile without a pipeline section
    // gives bit-identical times to earlier versions: scale 1 is exact.)
    const scale = this.serviceScale;
    let us = this.requestBaseUs * scale + this.daemonPerRequestUs + this.daemonPerByteUs * (bytesIn + bytesOut);
    const names = this.#names;
    const prices = this.#prices;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const delta = (after[name] ?? 0) - (before[name] ?? 0);
      if (delta !== 0) us += prices[i]! * delta * scale;
    }
    return us;
  }

  /**
   * A meter over an engine's live counters (`engine.liveCounters`, updated
   * in place): each {@link ServiceMeter.serviceUs} call prices one request
   * from what the priced counters rose by since the previous call, reading
   * only those — no snapshot per request. Same arithmetic as
   * {@link CostModel.serviceUs}, so the same times to the last bit.
   */
  meter(live: Readonly<Record<string, number>>): ServiceMeter {
    return new ServiceMeter(this, live, this.#names, this.#prices);
  }

  /** The same pricing, itemised per component (for reports and the fit script). */
  breakdownUs(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>, bytesIn: number, bytesOut: number): Record<string, number> {
    const scale = this.serviceScale;
    const out: Record<string, number> = { requestBase: this.requestBaseUs * scale, daemonBytes: this.daemonPerByteUs * (bytesIn + bytesOut) };
    if (this.daemonPerRequestUs > 0) out['daemonLoop'] = this.daemonPerRequestUs;
    for (let i = 0; i < this.#names.length; i++) {
      const name = this.#names[i]!;
      const delta = (after[name] ?? 0) - (before[name] ?? 0);
      if (delta !== 0) out[name] = this.#prices[i]! * delta * scale;
    }
    return out;
  }

  /** One-way transport delay (µs) of a frame of `bytes` bytes. */
  transportUs(bytes: number): number {
    return this.transportLatencyUs + this.transportPerByteUs * bytes;
  }
}

/** Prices requests from an engine's live counters; built by {@link CostModel.meter}. */
export class ServiceMeter {
  readonly #model: CostModel;
  readonly #live: Readonly<Record<string, number>>;
  readonly #names: readonly string[];
  readonly #prices: readonly number[];
  /** The priced counters' values at the previous call (or at creation). */
  readonly #previous: Float64Array;

  constructor(model: CostModel, live: Readonly<Record<string, number>>, names: readonly string[], prices: readonly number[]) {
    this.#model = model;
    this.#live = live;
    this.#names = names;
    this.#prices = prices;
    this.#previous = Float64Array.from(names, (name) => live[name] ?? 0);
  }

  /** Service time (µs) of the request served since the previous call; see {@link CostModel.serviceUs}. */
  serviceUs(bytesIn: number, bytesOut: number): number {
    const m = this.#model;
    const scale = m.serviceScale;
    let us = m.requestBaseUs * scale + m.daemonPerRequestUs + m.daemonPerByteUs * (bytesIn + bytesOut);
    const names = this.#names;
    const prices = this.#prices;
    const previous = this.#previous;
    const live = this.#live;
    for (let i = 0; i < names.length; i++) {
      const now = live[names[i]!] ?? 0;
      const delta = now - previous[i]!;
      if (delta !== 0) {
        us += prices[i]! * delta * scale;
        previous[i] = now;
      }
    }
    return us;
  }
}
