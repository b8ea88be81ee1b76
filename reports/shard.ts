/**
 * Sharding a sweep over machines (CI matrix, Kubernetes indexed jobs, Slurm
 * arrays): a shard spec, a deterministic balanced slice of the grid, and the
 * merge that joins shard results back into the file the unsharded sweep
 * would have written.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ResultsFile, RunResult } from './schema.ts';
import { computeHeadline, qualifyHeadline } from './headline.ts';
import { ReportInputError } from './errors.ts';

/** One slice of a grid: shard `index` (1-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

function parsePair(spec: string, what: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!match) throw new ReportInputError(`${what}: expected a shard as i/n (e.g. 2/4) or auto, got ${JSON.stringify(spec)}`);
  return checkShard(Number(match[1]), Number(match[2]), what);
}

function checkShard(index: number, count: number, what: string): Shard {
  if (!Number.isSafeInteger(count) || count < 1) throw new ReportInputError(`${what}: shard count must be a positive integer, got ${count}`);
  if (!Number.isSafeInteger(index) || index < 1 || index > count) {
    throw new ReportInputError(`${what}: shard index must be between 1 and ${count}, got ${index}`);
  }
  return { index, count };
}

function envInt(env: NodeJS.ProcessEnv, name: string): number {
  const text = env[name]?.trim() ?? '';
  if (!/^\d+$/.test(text)) throw new ReportInputError(`--shard auto: ${name} must be a non-negative integer, got ${JSON.stringify(env[name])}`);
  return Number(text);
}

/**
 * Parses `--shard`: `i/n` (1-based, `1/1` is everything) or `auto`, which
 * reads, in order: `XSTORM_SHARD` (`i/n`, e.g. from a CI matrix);
 * Kubernetes indexed jobs `JOB_COMPLETION_INDEX` (0-based) with
 * `XSTORM_SHARD_COUNT`; Slurm arrays `SLURM_ARRAY_TASK_ID` with
 * `SLURM_ARRAY_TASK_COUNT` (offset by `SLURM_ARRAY_TASK_MIN`, default 0).
 * `auto` with none of these set returns null: run the whole grid.
 * @throws ReportInputError with a one-line message.
 */
export function parseShard(spec: string, env: NodeJS.ProcessEnv = process.env): Shard | null {
  if (spec.trim() !== 'auto') return parsePair(spec, '--shard');
  if (env.XSTORM_SHARD !== undefined && env.XSTORM_SHARD !== '') return parsePair(env.XSTORM_SHARD, '--shard auto: XSTORM_SHARD');
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (env.XSTORM_SHARD_COUNT === undefined) {
      throw new ReportInputError('--shard auto: JOB_COMPLETION_INDEX is set but XSTORM_SHARD_COUNT is not (set it to the job\'s completions)');
    }
    return checkShard(envInt(env, 'JOB_COMPLETION_INDEX') + 1, envInt(env, 'XSTORM_SHARD_COUNT'), '--shard auto (Kubernetes)');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    if (env.SLURM_ARRAY_TASK_COUNT === undefined) throw new ReportInputError('--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not');
    const min = env.SLURM_ARRAY_TASK_MIN !== undefined ? envInt(env, 'SLURM_ARRAY_TASK_MIN') : 0;
    return checkShard(envInt(env, 'SLURM_ARRAY_TASK_ID') - min + 1, envInt(env, 'SLURM_ARRAY_TASK_COUNT'), '--shard auto (Slurm)');
  }
  return null;
}

/** `i/n`, the spec form of a shard. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * The cells of `shard` with their index in the full grid (use it as the
 * run's `gridIndex`): round-robin by index, so neighbouring cells (e.g.
 * growing guest counts, the expensive ones) spread over all shards. A null
 * shard selects everything.
 */
export function selectShardWithIndex<T>(cells: readonly T[], shard: Shard | null): Array<{ readonly gridIndex: number; readonly cell: T }> {
  const out: Array<{ gridIndex: number; cell: T }> = [];
  cells.forEach((cell, gridIndex) => {
    if (!shard || gridIndex % shard.count === shard.index - 1) out.push({ gridIndex, cell });
  });
  return out;
}

/** The cells of `shard` in grid order (see {@link selectShardWithIndex}). */
export function selectShard<T>(cells: readonly T[], shard: Shard | null): T[] {
  return selectShardWithIndex(cells, shard).map(({ cell }) => cell);
}

/** Drops `--shard X` / `--shard=X` from a recorded command line. */
export function stripShardArgs(command: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < command.length; i++) {
    if (command[i] === '--shard') {
      i++;
      continue;
    }
    if (command[i]!.startsWith('--shard=')) continue;
    out.push(command[i]!);
  }
  // `npm run sweep -- --shard 1/3` leaves a bare `--`.
  if (out.at(-1) === '--') out.pop();
  return out;
}

/** Grid order: by `gridIndex` when every run has one, else by `key` (code-unit order, locale-free). */
export function compareRuns(a: RunResult, b: RunResult): number {
  if (a.gridIndex !== undefined && b.gridIndex !== undefined && a.gridIndex !== b.gridIndex) return a.gridIndex - b.gridIndex;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Joins the shard files of one sweep into the file the unsharded sweep
 * writes: runs in grid order, headline recomputed with
 * {@link computeHeadline} (other headline keys kept from shard 1), `shard`
 * dropped, `--shard` dropped from the command, `createdAt` the latest of the
 * shards, `id` and other metadata from shard 1. Shards must agree on kind,
 * git commit and config, and cover 1..n exactly once.
 * @throws ReportInputError naming what does not fit.
 */
export function mergeResultsFiles(files: readonly ResultsFile[]): ResultsFile {
  if (files.length === 0) throw new ReportInputError('merge: no results files given');
  const sharded = files.filter((file) => file.shard);
  if (sharded.length !== files.length) {
    if (files.length === 1) return files[0]!;
    throw new ReportInputError(`merge: ${files.length - sharded.length} of ${files.length} inputs are not shards (no "shard" field)`);
  }
  const count = files[0]!.shard!.count;
  const seen = new Map<number, number>();
  files.forEach((file, i) => {
    if (file.shard!.count !== count) throw new ReportInputError(`merge: input ${i + 1} is shard ${formatShard(file.shard!)} but input 1 is of ${count} shards`);
    if (seen.has(file.shard!.index)) throw new ReportInputError(`merge: shard ${formatShard(file.shard!)} given twice (inputs ${seen.get(file.shard!.index)! + 1} and ${i + 1})`);
    seen.set(file.shard!.index, i);
  });
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !seen.has(index));
  if (missing.length) throw new ReportInputError(`merge: missing shard${missing.length > 1 ? 's' : ''} ${missing.map((index) => `${index}/${count}`).join(', ')}`);

  const ordered = [...files].sort((a, b) => a.shard!.index - b.shard!.index);
  const first = ordered[0]!;
  for (const file of ordered.slice(1)) {
    const which = `shard ${formatShard(file.shard!)}`;
    if (file.kind !== first.kind) throw new ReportInputError(`merge: ${which} is a ${file.kind} but shard 1 is a ${first.kind}`);
    if (file.meta.gitCommit !== first.meta.gitCommit) {
      throw new ReportInputError(`merge: ${which} was made at commit ${file.meta.gitCommit} but shard 1 at ${first.meta.gitCommit}`);
    }
    if (!isDeepStrictEqual(file.config, first.config)) throw new ReportInputError(`merge: ${which} was run with a different config than shard 1`);
  }
  const runs = ordered.flatMap((file) => file.runs).sort(compareRuns);
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.key === runs[i - 1]!.key) throw new ReportInputError(`merge: run ${runs[i]!.key} appears in more than one shard`);
  }
  const createdAt = ordered.map((file) => file.createdAt).reduce((a, b) => (b > a ? b : a));
  const merged: ResultsFile = {
    schemaVersion: first.schemaVersion,
    id: first.id,
    kind: first.kind,
    createdAt,
    meta: { ...first.meta, command: stripShardArgs(first.meta.command) },
    config: first.config,
    runs,
  };
  // A merge of shards one of which stopped early is partial too (and its headline gives no ratio).
  const partial = ordered.some((file) => file.status === 'partial');
  if (ordered.some((file) => file.status !== undefined)) merged.status = partial ? 'partial' : 'complete';
  if (ordered.some((file) => file.headline)) {
    const scenario = ordered.map((file) => file.headline?.scenario).find((s): s is string => typeof s === 'string');
    merged.headline = qualifyHeadline({ ...first.headline, ...computeHeadline(runs, scenario !== undefined ? { scenario } : {}) }, partial ? { status: 'partial' } : {});
  }
  return merged;
}
