/**
 * Public face of runner/: drivers, sessions, metrics and verdicts. The
 * simulated driver lives in runner/sim/ (its own public face).
 */
export type { Driver, RunPlan, RunOptions, Target, ProgressListener } from './types.ts';
export { MetricsRecorder, mergeSnapshots, summarize, latencySummary } from './metrics.ts';
export type { MetricsSnapshot, MetricsSummary, ActorInfo, ActorProgress, ClassBucket, RecorderOptions } from './metrics.ts';
export { livelockVerdict, sustainedVerdict, LIVELOCK_DEFAULTS } from './verdict.ts';
export type { LivelockOptions, LivelockVerdict, ClassWindow, SustainedVerdict } from './verdict.ts';
export { hostActors, runSession, bucketMsFor, ActorError } from './session.ts';
export type { Connector, HostActorsOptions, ActorHost, SessionOptions, SessionOutcome } from './session.ts';
export { buildRunResult, runKey, targetEngineLabel, targetDescription } from './result.ts';
export type { DriverFigures } from './result.ts';
export { createRandom, hashString } from './random.ts';
export { createRealDriver, REAL_DRIVER_DEFAULTS, RunFailedError, RunStoppedError, realClock } from './real/index.ts';
export type { RealDriverOptions } from './real/index.ts';
export { StopCondition } from './stop-condition.ts';
export type { EndReason, StopConditionOptions } from './stop-condition.ts';
export { runProgress } from './run-progress.ts';
export type { RunProgressInput } from './run-progress.ts';
export { createDriver } from './drivers.ts';
export { makeScratchDir, removeScratchDir, removeProcessScratch } from './scratch-dir.ts';
