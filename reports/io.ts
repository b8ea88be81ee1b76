/**
 * Reading and writing results.json: validated with the zod schema on both
 * sides, versioned, written atomically. Older schema versions are migrated
 * step by step through {@link MIGRATIONS} when a migration exists, and
 * rejected with a message naming the file and the version otherwise.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { ResultsFileSchema, SCHEMA_VERSION, type ResultsFile } from './schema.ts';
import { ResultsFileError } from './errors.ts';
import { writeFileAtomic } from './atomic.ts';

/** Name of the results file inside a results directory. */
export const RESULTS_JSON = 'results.json';

/** Upgrades a parsed file of schema version `from` to version `from + 1`. */
export type Migration = (file: Record<string, unknown>) => Record<string, unknown>;

/**
 * Migrations by source version: `MIGRATIONS[n]` turns a version-n file into
 * version n+1. Version 1 is the first, so there are none yet; a v2 reader
 * adds `1: (v1) => v2` here and keeps reading v1 files.
 */
export const MIGRATIONS: Readonly<Record<number, Migration>> = {};

/** Options of {@link parseResultsFile}. */
export interface ParseOptions {
  /** Migration table (tests inject one; defaults to {@link MIGRATIONS}). */
  readonly migrations?: Readonly<Record<number, Migration>>;
}

/** `runs[3].abortRate: Too big ...` for each zod issue. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    let where = '';
    for (const part of issue.path) {
      where += typeof part === 'number' ? `[${part}]` : where === '' ? String(part) : `.${String(part)}`;
    }
    return `${where || '(top level)'}: ${issue.message}`;
  });
}

/**
 * Validates a parsed JSON value as a results file, migrating older schema
 * versions. `source` names the file in error messages.
 * @throws ResultsFileError naming the source and the first few problems.
 */
export function parseResultsFile(value: unknown, source: string, options: ParseOptions = {}): ResultsFile {
  const migrations = options.migrations ?? MIGRATIONS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ResultsFileError(source, 'not an xstorm results file (expected a JSON object)');
  }
  let file = value as Record<string, unknown>;
  const version = file.schemaVersion;
  if (version === undefined) throw new ResultsFileError(source, 'not an xstorm results file (no schemaVersion)');
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new ResultsFileError(source, `schemaVersion must be an integer, got ${JSON.stringify(version)}`);
  }
  if (version > SCHEMA_VERSION) {
    throw new ResultsFileError(
      source,
      `results schema v${version} was written by a newer xstorm; this xstorm reads schema v${SCHEMA_VERSION} and older: upgrade xstorm to read it`,
    );
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    const migrate = migrations[v];
    if (!migrate) {
      throw new ResultsFileError(
        source,
        `results schema v${version} is no longer supported (this xstorm reads schema v${SCHEMA_VERSION}, no migration from v${v}): regenerate the results with this xstorm`,
      );
    }
    file = migrate(file);
  }
  const parsed = ResultsFileSchema.safeParse(file);
  if (!parsed.success) {
    throw new ResultsFileError(source, `invalid results file (schema v${SCHEMA_VERSION})`, formatIssues(parsed.error));
  }
  const keys = new Set<string>();
  const duplicates = parsed.data.runs.filter((run) => keys.size === keys.add(run.key).size).map((run) => `runs: duplicate key ${run.key}`);
  if (duplicates.length) throw new ResultsFileError(source, 'invalid results file', duplicates);
  return parsed.data;
}

/** The results.json path for a directory or a file path. */
export function resultsJsonPath(dirOrFile: string): string {
  return dirOrFile.endsWith('.json') ? dirOrFile : path.join(dirOrFile, RESULTS_JSON);
}

/**
 * Reads and validates a results file; `dirOrFile` is a results directory or
 * a `.json` path.
 * @throws ResultsFileError with a message naming the file.
 */
export async function readResultsFile(dirOrFile: string, options: ParseOptions = {}): Promise<ResultsFile> {
  const file = resultsJsonPath(dirOrFile);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ResultsFileError(file, code === 'ENOENT' ? 'no such results file' : `cannot read (${code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultsFileError(file, `not valid JSON (${(error as Error).message})`);
  }
  return parseResultsFile(value, file, options);
}

/**
 * Validates a results file and returns its canonical text (keys in schema
 * order, 2-space indent, trailing newline): the bytes results.json holds.
 * @throws ResultsFileError listing the problems.
 */
export function serializeResultsFile(file: ResultsFile, source = 'results'): string {
  const valid = parseResultsFile(file, source);
  return `${JSON.stringify(valid, null, 2)}\n`;
}

/**
 * Validates `file` and writes `<dir>/results.json` atomically (temp + rename).
 * Returns the path written.
 */
export async function writeResultsFile(dir: string, file: ResultsFile): Promise<string> {
  const target = path.join(dir, RESULTS_JSON);
  const text = serializeResultsFile(file, target);
  await writeFileAtomic(target, text);
  return target;
}
