/**
 * Measuring a run in one place: a {@link MetricsRecorder} (one per worker
 * thread or per simulated run) hands each actor a {@link ClientObserver},
 * counts requests, commits and EAGAIN aborts, keeps HdrHistograms of request
 * latency, logical-transaction latency (retries included) and retries per
 * logical transaction, per-actor progress, per-actor-class attempts and
 * commits in time buckets (for the livelock verdict) and scenario events.
 *
 * Recorders never read a clock of their own: times come from the observer
 * hooks (the client reads the injected {@link Clock}) or from the clock
 * passed in. A recorder becomes a plain, structured-cloneable
 * {@link MetricsSnapshot} (histograms encoded), snapshots from several
 * threads {@link mergeSnapshots merge}, and {@link summarize} turns one into
 * the metric fields of a RunResult. Driver-agnostic: the real-time and the
 * simulated drivers both use it.
 */
import hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { Clock, ClientObserver } from '../protocol/types.ts';
import { XsType } from '../protocol/wire.ts';
import type { LatencySummary, RunResult } from '../reports/schema.ts';

/** Who an observer measures. */
export interface ActorInfo {
  readonly id: string;
  readonly actorClass: string;
  readonly isGuest: boolean;
}

/** Progress of one actor. */
export interface ActorProgress extends ActorInfo {
  /** Successful TRANSACTION_END replies. */
  commits: number;
  /** Commit attempts: successful or EAGAIN TRANSACTION_END replies. */
  attempts: number;
  /**
   * Start (clock ms) of the logical transaction this actor has open (its
   * first TRANSACTION_START, retries included), null when none is open.
   * One still open when the run ends is censored: its delay is at least
   * the time it has waited so far.
   */
  openSinceMs: number | null;
}

/** An actor's progress plus the retries of its logical transaction still under way (recorder-internal). */
interface ActorState extends ActorProgress {
  /** EAGAIN commits not yet accounted for by a finished logical transaction. */
  openRetries: number;
}

/** Commit attempts and commits of one actor class in one time bucket. */
export interface ClassBucket {
  attempts: number;
  commits: number;
}

/** A recorder's content as plain data: crosses threads (postMessage) and merges. */
export interface MetricsSnapshot {
  /** Clock time (ms) that bucket 0 and event times are relative to. */
  readonly originMs: number;
  readonly bucketMs: number;
  readonly requests: number;
  readonly commits: number;
  readonly eagain: number;
  readonly otherErrors: number;
  /** Error replies by errno name (EAGAIN included). */
  readonly errors: Readonly<Record<string, number>>;
  /** Logical transactions finished (committed or given up). */
  readonly logicalTxns: number;
  readonly committedTxns: number;
  /**
   * Encoded HdrHistograms (compressed base64); values in µs (latencies) or
   * counts (retries). `retries` holds one value per logical transaction that
   * ended, plus one per actor whose transaction was still retrying when the
   * snapshot was taken (its retries so far), so every refused attempt counts.
   */
  readonly requestLatencyUs: string;
  readonly txnLatencyUs: string;
  readonly retries: string;
  readonly actors: readonly ActorProgress[];
  /** actor class → bucket index → attempts/commits. */
  readonly classBuckets: Readonly<Record<string, Readonly<Record<number, ClassBucket>>>>;
  /** bucket index → [commits, eagain]. */
  readonly timeline: Readonly<Record<number, readonly [number, number]>>;
  /** Scenario events: name → [ms since origin, value] in recording order. */
  readonly events: Readonly<Record<string, readonly (readonly [number, number])[]>>;
  /** Free counters, e.g. `droppedIterations` of the open model. */
  readonly counters: Readonly<Record<string, number>>;
}

/** Options of a {@link MetricsRecorder}. */
export interface RecorderOptions {
  /** Clock time (ms) of the run's start; all recorders of one run must share it. */
  readonly originMs: number;
  /** Width of the time buckets for the timeline and the livelock verdict (ms). Default 1000. */
  readonly bucketMs?: number;
  /** Clock used by {@link MetricsRecorder.record}. */
  readonly clock: Clock;
}

const DEFAULT_BUCKET_MS = 1000;

function newHistogram(): Histogram {
  return hdr.build({ numberOfSignificantValueDigits: 3 });
}

/** Per-thread (or per-run) metrics collector; see the module comment. */
export class MetricsRecorder {
  readonly #originMs: number;
  readonly #bucketMs: number;
  readonly #clock: Clock;
  #closedAtMs = Infinity;
  #requests = 0;
  #commits = 0;
  #eagain = 0;
  #otherErrors = 0;
  readonly #errors = new Map<string, number>();
  #logicalTxns = 0;
  #committedTxns = 0;
  readonly #requestLatency = newHistogram();
  readonly #txnLatency = newHistogram();
  readonly #retries = newHistogram();
  readonly #actors = new Map<string, ActorState>();
  readonly #classBuckets = new Map<string, Map<number, ClassBucket>>();
  readonly #timeline = new Map<number, [number, number]>();
  readonly #events = new Map<string, [number, number][]>();
  readonly #counters = new Map<string, number>();

  constructor(options: RecorderOptions) {
    this.#originMs = options.originMs;
    this.#bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
    if (!(this.#bucketMs > 0)) throw new RangeError(`bucketMs must be positive, got ${this.#bucketMs}`);
    this.#clock = options.clock;
  }

  /**
   * Registers an actor (so that a guest that never commits still counts as
   * starved) and returns the observer to give its client.
   */
  observer(actor: ActorInfo): ClientObserver {
    const progress = this.#actorProgress(actor);
    return {
      onRequest: (type, startMs, endMs, error) => this.#onRequest(progress, type, startMs, endMs, error),
      onTransaction: (attempts, startMs, endMs, committed) => this.#onTransaction(progress, attempts, startMs, endMs, committed),
    };
  }

  /** Records a scenario event (e.g. `guestStarted`, k) at the clock's current time. */
  record(event: string, value: number): void {
    const now = this.#clock.now();
    if (now > this.#closedAtMs) return;
    let list = this.#events.get(event);
    if (!list) this.#events.set(event, (list = []));
    list.push([now - this.#originMs, value]);
  }

  /** Adds `n` to a free counter (reported in RunResult.extra). */
  count(name: string, n = 1): void {
    this.#counters.set(name, (this.#counters.get(name) ?? 0) + n);
  }

  /** Ignores every observation that ends after `atMs` (the run's measured end). */
  close(atMs: number): void {
    this.#closedAtMs = atMs;
  }

  /** Cheap running totals, for progress reports. */
  totals(): { requests: number; commits: number; eagain: number; events: Record<string, number> } {
    const events: Record<string, number> = {};
    for (const [name, list] of this.#events) events[name] = list.length;
    return { requests: this.#requests, commits: this.#commits, eagain: this.#eagain, events };
  }

  /** The recorder's content as plain data. */
  snapshot(): MetricsSnapshot {
    const classBuckets: Record<string, Record<number, ClassBucket>> = {};
    for (const [cls, buckets] of this.#classBuckets) {
      const out: Record<number, ClassBucket> = {};
      for (const [index, bucket] of buckets) out[index] = { ...bucket };
      classBuckets[cls] = out;
    }
    const timeline: Record<number, [number, number]> = {};
    for (const [index, pair] of this.#timeline) timeline[index] = [pair[0], pair[1]];
    const events: Record<string, [number, number][]> = {};
    for (const [name, list] of this.#events) events[name] = list.map((e) => [e[0], e[1]]);
    // Retries of transactions still under way count too: a transaction that
    // never commits (a livelocked client) is exactly the one whose retries
    // matter, and leaving it out would report 0 retries at 99 % aborts.
    const retries = newHistogram();
    retries.add(this.#retries);
    for (const actor of this.#actors.values()) if (actor.openRetries > 0) retries.recordValue(actor.openRetries);
    return {
      originMs: this.#originMs,
      bucketMs: this.#bucketMs,
      requests: this.#requests,
      commits: this.#commits,
      eagain: this.#eagain,
      otherErrors: this.#otherErrors,
      errors: Object.fromEntries(this.#errors),
      logicalTxns: this.#logicalTxns,
      committedTxns: this.#committedTxns,
      requestLatencyUs: hdr.encodeIntoCompressedBase64(this.#requestLatency),
      txnLatencyUs: hdr.encodeIntoCompressedBase64(this.#txnLatency),
      retries: hdr.encodeIntoCompressedBase64(retries),
      actors: [...this.#actors.values()].map(({ openRetries: _recorderOnly, ...progress }) => ({ ...progress })),
      classBuckets,
      timeline,
      events,
      counters: Object.fromEntries(this.#counters),
    };
  }

  #actorProgress(actor: ActorInfo): ActorState {
    let progress = this.#actors.get(actor.id);
    if (!progress) {
      progress = { id: actor.id, actorClass: actor.actorClass, isGuest: actor.isGuest, commits: 0, attempts: 0, openSinceMs: null, openRetries: 0 };
      this.#actors.set(actor.id, progress);
    }
    return progress;
  }

  #bucketOf(ms: number): number {
    return Math.max(0, Math.floor((ms - this.#originMs) / this.#bucketMs));
  }

  #onRequest(actor: ActorState, type: number, startMs: number, endMs: number, error: string | undefined): void {
    // The first start of a logical transaction opens it (retries keep it open), even if its reply comes after the close.
    if (type === XsType.TRANSACTION_START && actor.openSinceMs === null && startMs <= this.#closedAtMs) actor.openSinceMs = startMs;
    if (endMs > this.#closedAtMs) return;
    this.#requests++;
    this.#requestLatency.recordValue(toMicros(endMs - startMs));
    if (error !== undefined) {
      this.#errors.set(error, (this.#errors.get(error) ?? 0) + 1);
      if (error !== 'EAGAIN') this.#otherErrors++;
    }
    // Only TRANSACTION_END decides commits; an EAGAIN on any other request
    // (a quota refusal, say) is an error like the others.
    if (type !== XsType.TRANSACTION_END) return;
    if (error !== undefined && error !== 'EAGAIN') return;
    const committed = error === undefined;
    if (committed) this.#commits++;
    else this.#eagain++;
    actor.attempts++;
    if (committed) actor.commits++;
    else actor.openRetries++;
    const index = this.#bucketOf(endMs);
    let buckets = this.#classBuckets.get(actor.actorClass);
    if (!buckets) this.#classBuckets.set(actor.actorClass, (buckets = new Map()));
    let bucket = buckets.get(index);
    if (!bucket) buckets.set(index, (bucket = { attempts: 0, commits: 0 }));
    bucket.attempts++;
    if (committed) bucket.commits++;
    let pair = this.#timeline.get(index);
    if (!pair) this.#timeline.set(index, (pair = [0, 0]));
    pair[committed ? 0 : 1]++;
  }

  #onTransaction(actor: ActorState, attempts: number, startMs: number, endMs: number, committed: boolean): void {
    // Ended after the close: it was still open when the run ended (censored).
    if (endMs > this.#closedAtMs) return;
    actor.openSinceMs = null;
    this.#logicalTxns++;
    if (committed) this.#committedTxns++;
    this.#txnLatency.recordValue(toMicros(endMs - startMs));
    const retries = Math.max(0, attempts - 1);
    this.#retries.recordValue(retries);
    // Its refused attempts are now accounted for: every attempt but the last
    // when it committed, all of them when it gave up. An actor may run
    // several transactions at once, so subtract rather than reset.
    actor.openRetries = Math.max(0, actor.openRetries - (committed ? retries : attempts));
  }
}

function toMicros(ms: number): number {
  return Math.max(0, Math.round(ms * 1000));
}

function addInto(target: Record<string, number>, source: Readonly<Record<string, number>>): void {
  for (const [key, value] of Object.entries(source)) target[key] = (target[key] ?? 0) + value;
}

function mergeEncoded(encoded: readonly string[]): string {
  const total = newHistogram();
  for (const text of encoded) {
    const h = hdr.decodeFromCompressedBase64(text);
    total.add(h);
  }
  return hdr.encodeIntoCompressedBase64(total);
}

/**
 * Merges snapshots of one run (e.g. one per worker thread). They must share
 * `originMs` and `bucketMs`; an actor present in several is summed.
 */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const first = snapshots[0];
  if (!first) throw new RangeError('mergeSnapshots needs at least one snapshot');
  for (const s of snapshots) {
    if (s.originMs !== first.originMs || s.bucketMs !== first.bucketMs) {
      throw new RangeError('cannot merge snapshots with different originMs or bucketMs');
    }
  }
  const errors: Record<string, number> = {};
  const counters: Record<string, number> = {};
  const actors = new Map<string, ActorProgress>();
  const classBuckets: Record<string, Record<number, ClassBucket>> = {};
  const timeline: Record<number, [number, number]> = {};
  const events: Record<string, [number, number][]> = {};
  for (const s of snapshots) {
    addInto(errors, s.errors);
    addInto(counters, s.counters);
    for (const a of s.actors) {
      const prev = actors.get(a.id);
      if (prev) {
        prev.commits += a.commits;
        prev.attempts += a.attempts;
        prev.openSinceMs ??= a.openSinceMs;
      } else actors.set(a.id, { ...a });
    }
    for (const [cls, buckets] of Object.entries(s.classBuckets)) {
      const out = (classBuckets[cls] ??= {});
      for (const [index, b] of Object.entries(buckets)) {
        const prev = (out[Number(index)] ??= { attempts: 0, commits: 0 });
        prev.attempts += b.attempts;
        prev.commits += b.commits;
      }
    }
    for (const [index, pair] of Object.entries(s.timeline)) {
      const prev = (timeline[Number(index)] ??= [0, 0]);
      prev[0] += pair[0];
      prev[1] += pair[1];
    }
    for (const [name, list] of Object.entries(s.events)) {
      (events[name] ??= []).push(...list.map((e): [number, number] => [e[0], e[1]]));
    }
  }
  for (const list of Object.values(events)) list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const sum = (pick: (s: MetricsSnapshot) => number) => snapshots.reduce((t, s) => t + pick(s), 0);
  return {
    originMs: first.originMs,
    bucketMs: first.bucketMs,
    requests: sum((s) => s.requests),
    commits: sum((s) => s.commits),
    eagain: sum((s) => s.eagain),
    otherErrors: sum((s) => s.otherErrors),
    errors,
    logicalTxns: sum((s) => s.logicalTxns),
    committedTxns: sum((s) => s.committedTxns),
    requestLatencyUs: mergeEncoded(snapshots.map((s) => s.requestLatencyUs)),
    txnLatencyUs: mergeEncoded(snapshots.map((s) => s.txnLatencyUs)),
    retries: mergeEncoded(snapshots.map((s) => s.retries)),
    actors: [...actors.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    classBuckets,
    timeline,
    events,
    counters,
  };
}

/** The metric fields of a RunResult that come from measurements. */
export type MetricsSummary = Pick<
  RunResult,
  | 'requests' | 'commits' | 'eagain' | 'otherErrors' | 'logicalTxns' | 'goodput' | 'throughput' | 'abortRate'
  | 'retries' | 'latency' | 'requestLatency' | 'fairness' | 'timeline' | 'guestStarts' | 'openTxns' | 'latencyWithOpen'
> & {
  /** Events in seconds since the run's start (the SLO's input). */
  readonly events: Record<string, { tS: number; value: number }[]>;
};

/** Summary of an encoded latency histogram (µs) in milliseconds. */
export function latencySummary(encodedMicros: string): LatencySummary {
  const h = hdr.decodeFromCompressedBase64(encodedMicros);
  if (h.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const ms = (us: number) => us / 1000;
  return {
    count: h.totalCount,
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

/**
 * Logical-transaction latency over the finished transactions and the ones
 * still open at the end, each of those counted at its wait so far: a lower
 * bound of the true distribution when a run stops before they finish.
 */
function latencyWithOpen(encodedMicros: string, openWaitsMs: readonly number[]): LatencySummary {
  // A decoded histogram covers only its own values' range: copy it into one that grows.
  const h = newHistogram();
  h.add(hdr.decodeFromCompressedBase64(encodedMicros));
  for (const ms of openWaitsMs) h.recordValue(toMicros(ms));
  return latencySummary(hdr.encodeIntoCompressedBase64(h));
}

/**
 * Turns a (merged) snapshot of a run that lasted `durationS` seconds into
 * the RunResult metric fields. Rates are per second of `durationS`; a
 * zero-length run has rates 0. `guestStarts` comes from `guestStarted`
 * events: the k-th event in time order is the k-th guest started.
 *
 * A TRANSACTION_END that succeeds counts as a commit: scenarios abort a
 * transaction only when their own code throws, which ends the run anyway.
 * `retries` (mean, p99, max) is over every logical transaction that ended
 * in the run and every one still retrying at its end, counted with its
 * retries so far: a client that never commits weighs in with all its
 * refused attempts instead of vanishing from the figure.
 */
export function summarize(snapshot: MetricsSnapshot, durationS: number): MetricsSummary {
  const perSecond = (n: number) => (durationS > 0 ? n / durationS : 0);
  const retries = hdr.decodeFromCompressedBase64(snapshot.retries);
  const guests = snapshot.actors.filter((a) => a.isGuest);
  const guestCommits = guests.map((a) => a.commits);
  const lastBucket = Object.keys(snapshot.timeline).reduce((m, k) => Math.max(m, Number(k)), -1);
  const timeline: { tS: number; commits: number; eagain: number }[] = [];
  for (let i = 0; i <= lastBucket; i++) {
    const pair = snapshot.timeline[i] ?? [0, 0];
    timeline.push({ tS: (i * snapshot.bucketMs) / 1000, commits: pair[0], eagain: pair[1] });
  }
  const events: Record<string, { tS: number; value: number }[]> = {};
  for (const [name, list] of Object.entries(snapshot.events)) {
    events[name] = list.map(([ms, value]) => ({ tS: ms / 1000, value }));
  }
  const started = events['guestStarted'];
  const endMs = snapshot.originMs + durationS * 1000;
  const openWaitsMs = snapshot.actors.filter((a) => a.openSinceMs !== null).map((a) => Math.max(0, endMs - a.openSinceMs!));
  const attemptsTotal = snapshot.commits + snapshot.eagain;
  return {
    requests: snapshot.requests,
    commits: snapshot.commits,
    eagain: snapshot.eagain,
    otherErrors: snapshot.otherErrors,
    logicalTxns: snapshot.logicalTxns,
    goodput: perSecond(snapshot.committedTxns),
    throughput: perSecond(snapshot.requests),
    abortRate: attemptsTotal > 0 ? snapshot.eagain / attemptsTotal : 0,
    retries: retries.totalCount === 0
      ? { mean: 0, p99: 0, max: 0 }
      : { mean: retries.mean, p99: retries.getValueAtPercentile(99), max: retries.maxValue },
    latency: latencySummary(snapshot.txnLatencyUs),
    requestLatency: latencySummary(snapshot.requestLatencyUs),
    fairness: {
      minCommits: guestCommits.length ? Math.min(...guestCommits) : 0,
      maxCommits: guestCommits.length ? Math.max(...guestCommits) : 0,
      starved: guestCommits.filter((c) => c === 0).length,
    },
    timeline,
    // Cumulative: the k-th start in time order, whichever guest it was (boot-storm starts them in parallel).
    ...(started ? { guestStarts: started.map((e, i) => ({ guest: i + 1, timeS: Math.max(0, e.tS) })) } : {}),
    ...(openWaitsMs.length ? {
      openTxns: {
        count: openWaitsMs.length,
        meanWaitMs: openWaitsMs.reduce((a, b) => a + b, 0) / openWaitsMs.length,
        maxWaitMs: Math.max(...openWaitsMs),
      },
      latencyWithOpen: latencyWithOpen(snapshot.txnLatencyUs, openWaitsMs),
    } : {}),
    events,
  };
}
