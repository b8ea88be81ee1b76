/**
 * Public face of runner/: drivers, sessions, metrics and verdicts. The
 * simulated driver lives in runner/sim/ (its own public face).
 */
export type { Driver, RunPlan, Target, ProgressListener } from './types.ts';
export { MetricsRecorder, mergeSnapshots, summarize, latencySummary } from './metrics.ts';
export type { MetricsSnapshot, MetricsSummary, ActorInfo, ActorProgress, ClassBucket, RecorderOptions } from './metrics.ts';
export { livelockVerdict, sustainedVerdict, LIVELOCK_DEFAULTS } from './verdict.ts';
export type { LivelockOptions, LivelockVerdict, ClassWindow, SustainedVerdict } from './verdict.ts';
export { hostActors, runSession, bucketMsFor, ActorError } from './session.ts';
export type { Connector, HostActorsOptions, ActorHost, SessionOptions, SessionOutcome } from './session.ts';
export { buildRunResult, runKey, targetEngineLabel, targetDescription } from './result.ts';
export type { DriverFigures } from './result.ts';
export { createRandom, hashString } from './random.ts';
export { createRealDriver, REAL_DRIVER_DEFAULTS, RunFailedError, realClock } from './real/index.ts';
export type { RealDriverOptions } from './real/index.ts';
export { writeResultsFile, buildMeta, newResultsId, resultsDirFor } from './results-io.ts';
export { parseTarget, parseGuestList } from './cli-args.ts';
