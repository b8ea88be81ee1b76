/**
 * The results files the CLI writes (`run`, `sweep`, `bench`): the one place
 * a {@link ResultsFile} is assembled ({@link buildResultsFile}: schema
 * version, metadata, status, the headline qualified for partial or sharded
 * grids), its id, and where it goes. Writing is reports/'s job
 * (`writeResultsFile`, `writeResultsDir`: validated, atomic).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeHeadline, qualifyHeadline } from '../reports/headline.ts';
import { userCommand } from '../reports/command.ts';
import { SCHEMA_VERSION } from '../reports/schema.ts';
import type { Headline, Meta, ResultsFile, RunResult, RunStatus } from '../reports/schema.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** xstorm's version from package.json. */
export function xstormVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The git commit of the working tree, or null outside a repository. */
export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

/** Metadata of a results file made by `command` (the argv after `node`; recorded as the user typed it, see `userCommand`). */
export function buildMeta(command: readonly string[]): Meta {
  const cpus = os.cpus();
  return {
    xstormVersion: xstormVersion(),
    gitCommit: gitCommit(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: Math.max(1, cpus.length),
    // What the user typed (`npm run bench`, `npx xstorm sweep ...`), not the launcher's path.
    command: userCommand(command, process.env),
  };
}

/** A timestamp-based results id, e.g. `20261125-114203-run-short-txn`. */
export function newResultsId(kind: string, label: string, date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const safe = label.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${stamp}-${kind}-${safe}`;
}

/** Where a results file goes: `--out <dir>` or `results/<id>` under the working directory. */
export function resultsDirFor(id: string, out?: string): string {
  return out ? path.resolve(out) : path.resolve('results', id);
}

/** What {@link buildResultsFile} needs. */
export interface ResultsFileInput {
  readonly kind: ResultsFile['kind'];
  readonly id: string;
  readonly config: Record<string, unknown>;
  readonly runs: readonly RunResult[];
  /**
   * The headline: given (bench computes its own), or `{ scenario }` to
   * compute the sweep headline of that scenario, or absent for none.
   */
  readonly headline?: Headline | { readonly computeFor: string };
  readonly shard?: { readonly index: number; readonly count: number } | null;
  /** How many runs were planned (default: the runs given). Fewer runs, or any partial run, make the file partial. */
  readonly planned?: number;
  /** Marks the file partial even if every planned run is here (e.g. a sweep's checkpoint). */
  readonly partial?: boolean;
  /** Default: the process's command line. */
  readonly command?: readonly string[];
  /** Default: now. */
  readonly createdAt?: Date;
}

/**
 * Assembles a results file: the current schema version, metadata, `status`
 * (`partial` when runs are missing or any run was stopped early), and the
 * headline, qualified (no ratio, a caveat) when the grid is partial or a
 * shard. Validation happens when it is written.
 */
export function buildResultsFile(input: ResultsFileInput): ResultsFile {
  const planned = input.planned ?? input.runs.length;
  const status: RunStatus = input.partial || input.runs.length < planned || input.runs.some((run) => run.status === 'partial') ? 'partial' : 'complete';
  const shard = input.shard ? { index: input.shard.index, count: input.shard.count } : undefined;
  let headline: Headline | undefined;
  const given = input.headline;
  if (given && typeof given['computeFor'] === 'string') headline = computeHeadline(input.runs, { scenario: given['computeFor'] });
  else if (given) headline = given as Headline;
  return {
    schemaVersion: SCHEMA_VERSION,
    id: input.id,
    kind: input.kind,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
    meta: buildMeta(input.command ?? process.argv.slice(1)),
    config: input.config,
    runs: [...input.runs],
    ...(headline ? { headline: qualifyHeadline(headline, { status, ...(shard ? { shard } : {}), runs: input.runs.length, planned }) } : {}),
    ...(shard ? { shard } : {}),
    status,
  };
}
