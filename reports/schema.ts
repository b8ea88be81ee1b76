/**
 * The results file format (`results/<id>/results.json`), schema-versioned and
 * validated with zod on write and on read. Runs, sweeps and `bench` all
 * write this shape; reports, the gate and merge only read it.
 */
import { z } from 'zod';

/** Version of the results format written by this xstorm. */
export const SCHEMA_VERSION = 1;

/** Latency distribution summary, milliseconds. */
export const LatencySummarySchema = z.strictObject({
  count: z.number().int().nonnegative(),
  mean: z.number().nonnegative(),
  p50: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  p999: z.number().nonnegative(),
  max: z.number().nonnegative(),
});
export type LatencySummary = z.infer<typeof LatencySummarySchema>;

/**
 * Whether a run or a results file holds everything it set out to measure
 * (`complete`) or only part of it (`partial`: stopped by a signal, a
 * failure, or still being written by a sweep that has not finished).
 */
export const RunStatusSchema = z.enum(['complete', 'partial']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

const ParamValue = z.union([z.string(), z.number(), z.boolean()]);

/** One measured run: one scenario × engine (or target) × guest count × repetition. */
export const RunResultSchema = z.strictObject({
  /** Unique within a results file; identifies the grid cell (used by merge, gate and reports). */
  key: z.string().min(1),
  scenario: z.string().min(1),
  /** Engine kind (`trie`, `tdb`, ...) or a target label such as `socket:oxenstored`. */
  engine: z.string().min(1),
  /** `engine` for an in-process engine behind xstorm's daemon, else `socket:<path>`. */
  target: z.string().min(1),
  driver: z.enum(['real', 'sim']),
  /** Cost profile name for the simulated driver, null for real time. */
  profile: z.string().nullable(),
  guests: z.number().int().nonnegative(),
  rep: z.number().int().nonnegative(),
  seed: z.number().int(),
  params: z.record(z.string(), ParamValue),
  /** Length of the measured run in seconds (simulated seconds for `sim`). */
  durationS: z.number().nonnegative(),
  requests: z.number().int().nonnegative(),
  /** Successful TRANSACTION_END commits. */
  commits: z.number().int().nonnegative(),
  /** Commits refused with EAGAIN. */
  eagain: z.number().int().nonnegative(),
  /** Error replies other than EAGAIN. */
  otherErrors: z.number().int().nonnegative(),
  /** Logical transactions completed (each may take several attempts). */
  logicalTxns: z.number().int().nonnegative(),
  /** Committed logical transactions per second. */
  goodput: z.number().nonnegative(),
  /** Requests per second. */
  throughput: z.number().nonnegative(),
  /** eagain / (commits + eagain); 0 when there were none. */
  abortRate: z.number().min(0).max(1),
  /** Retries per logical transaction (attempts − 1). */
  retries: z.strictObject({ mean: z.number().nonnegative(), p99: z.number().nonnegative(), max: z.number().nonnegative() }),
  /** Logical-transaction latency including retries. */
  latency: LatencySummarySchema,
  /** Single request round-trip latency. */
  requestLatency: LatencySummarySchema,
  /** Per-actor progress: commits of the least and best served guest, guests with no commit. */
  fairness: z.strictObject({
    minCommits: z.number().int().nonnegative(),
    maxCommits: z.number().int().nonnegative(),
    starved: z.number().int().nonnegative(),
  }),
  livelocked: z.boolean(),
  /** Actor classes that kept attempting but committed < 1% over the last half of the run. */
  livelockedClasses: z.array(z.string()),
  sustained: z.boolean(),
  slo: z.strictObject({ description: z.string(), ok: z.boolean(), detail: z.string() }),
  /** The engine's own work counters at the end of the run (empty for socket targets). */
  engineCounters: z.record(z.string(), z.number()),
  daemon: z.strictObject({ cpuMs: z.number().nonnegative().nullable(), rssBytes: z.number().nonnegative().nullable() }),
  /**
   * Logical transactions still open when the run ended (censored: each one's
   * delay is at least its wait so far, from its first attempt's start to the
   * end of the run); absent when none was open.
   */
  openTxns: z.strictObject({
    count: z.number().int().positive(),
    meanWaitMs: z.number().nonnegative(),
    maxWaitMs: z.number().nonnegative(),
  }).optional(),
  /**
   * Logical-transaction latency counting the transactions still open at the
   * end at their wait so far (a lower bound when some were open); present
   * with `openTxns`.
   */
  latencyWithOpen: LatencySummarySchema.optional(),
  /** Cumulative time (s) at which the k-th guest was started (paper-7.3, boot-storm). */
  guestStarts: z.array(z.strictObject({ guest: z.number().int().positive(), timeS: z.number().nonnegative() })).optional(),
  /** Per-interval counts over the run. */
  timeline: z.array(z.strictObject({ tS: z.number().nonnegative(), commits: z.number().int().nonnegative(), eagain: z.number().int().nonnegative() })).optional(),
  /** Scenario-specific figures (e.g. `storeNodes`, `costPerOpUs`, `completionTimeS`). */
  extra: z.record(z.string(), z.number()).optional(),
  /**
   * Position of this cell in the full (unsharded) sweep grid, from 0. Set by
   * `sweep` so `merge` can put shards back in the unsharded order; files
   * without it are ordered by `key`.
   */
  gridIndex: z.number().int().nonnegative().optional(),
  /**
   * `partial`: the run was stopped before its end (SIGINT/SIGTERM) and its
   * figures cover only the time it ran. Absent: a complete run (files
   * written before this field existed hold complete runs only).
   */
  status: RunStatusSchema.optional(),
});
export type RunResult = z.infer<typeof RunResultSchema>;

/** Where and with what the results were produced. */
export const MetaSchema = z.strictObject({
  xstormVersion: z.string(),
  gitCommit: z.string().nullable(),
  node: z.string(),
  os: z.string(),
  cpuModel: z.string(),
  cpuCount: z.number().int().positive(),
  /** The command line that produced the file. */
  command: z.array(z.string()),
});
export type Meta = z.infer<typeof MetaSchema>;

/**
 * A knee-versus-parameter curve set for a chart (see reports/chart-knee.ts):
 * e.g. the guest at which tdb stops starting guests against the TDB copy
 * price, with the paper's ~40 as a reference line.
 */
export const KneeCurveSchema = z.strictObject({
  /** File-safe name: the chart is `charts/knee-<id>.png`. */
  id: z.string().regex(/^[A-Za-z0-9._-]+$/),
  /** What varies on the x axis, e.g. `TDB copy price`. */
  parameter: z.string().min(1),
  /** Chart title; default `Knee vs <parameter>`. */
  title: z.string().optional(),
  /** Chart subtitle: how the points were obtained. */
  subtitle: z.string().optional(),
  /** Its unit, e.g. `µs/byte`. */
  unit: z.string(),
  /** Log x axis (a parameter swept over decades). */
  log: z.boolean().optional(),
  /** y axis label; default `Guests started within the cap`. */
  yLabel: z.string().optional(),
  series: z.array(z.strictObject({
    engine: z.string().min(1),
    /** Legend text; default the engine. */
    label: z.string().optional(),
    points: z.array(z.strictObject({ x: z.number(), y: z.number() })),
  })),
  /** A horizontal reference line, e.g. `{ y: 40, label: 'paper: livelock near 40' }`. */
  reference: z.strictObject({ y: z.number(), label: z.string() }).optional(),
  /** A vertical line at a setting, e.g. the cost profile's own copy price. */
  setting: z.strictObject({ x: z.number(), label: z.string() }).optional(),
  /** The experiment's size (e.g. 160): a dotted line, since no knee can lie above it. */
  top: z.number().optional(),
});
export type KneeCurve = z.infer<typeof KneeCurveSchema>;

/**
 * Headline of a sweep or bench: largest sustained guest count per engine and
 * the trie/tdb ratio (see `computeHeadline` in reports/headline.ts). Other
 * keys are allowed and shown in summaries as they are, e.g. `paper` holding
 * the paper's figures in the same shape (`{ maxSustainedGuests, ratio }`),
 * or `band` (`{ ratio: { low, high }, tdbKnee: { low, high } }`, shown as
 * `central [low – high]` in the headline table).
 */
export const HeadlineSchema = z.looseObject({
  maxSustainedGuests: z.record(z.string(), z.number().int().nonnegative().nullable()),
  ratio: z.number().nullable(),
  /** Knee-versus-parameter charts to draw (optional; see {@link KneeCurveSchema}). */
  kneeCurves: z.array(KneeCurveSchema).optional(),
});
export type Headline = z.infer<typeof HeadlineSchema>;

/** A whole results file. */
export const ResultsFileSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.string().min(1),
  kind: z.enum(['run', 'sweep', 'bench']),
  createdAt: z.string(),
  meta: MetaSchema,
  /** The full configuration the runs were made with (JSON). */
  config: z.record(z.string(), z.unknown()),
  runs: z.array(RunResultSchema),
  headline: HeadlineSchema.optional(),
  /** Present when this file holds one shard of a sweep. */
  shard: z.strictObject({ index: z.number().int().positive(), count: z.number().int().positive() }).optional(),
  /**
   * `partial`: not every planned run is here, or one was stopped early (a
   * sweep's checkpoint while it runs, or a run or sweep stopped by a signal
   * or a failure); its headline gives no ratio. Absent in files written
   * before this field existed: complete.
   */
  status: RunStatusSchema.optional(),
});
export type ResultsFile = z.infer<typeof ResultsFileSchema>;
