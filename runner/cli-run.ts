/**
 * The plumbing behind `xstorm run` and `xstorm sweep`: turning validated
 * command-line values into run plans, running them with a progress bar on
 * stderr, and writing the results file. bin/commands/run.ts and sweep.ts
 * only declare their flags and call these.
 */
import cliProgress from 'cli-progress';
import type { ResultsFile, RunResult } from '../reports/schema.ts';
import { computeHeadline } from '../reports/headline.ts';
import { writeResultsDir } from '../reports/results-dir.ts';
import { join } from 'node:path';
import { defaultDuration, findScenario, SCENARIO_NAMES, ScenarioParamsError, validateParams } from '../scenarios/index.ts';
import type { AnyScenario, ParamValue } from '../scenarios/types.ts';
import { parseAssignments } from '../scenarios/params.ts';
import { createDriver, DriverUnavailableError } from './drivers.ts';
import type { RealDriverOptions } from './real/index.ts';
import { buildMeta, newResultsId, resultsDirFor, writeResultsFile } from './results-io.ts';
export { newResultsId };
import type { Driver, RunPlan, Target } from './types.ts';
import { parseTarget } from './cli-args.ts';

/** A mistake in the command line (the CLI exits 2 with its one-line message). */
export class CliInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliInputError';
  }
}

/** The scenario named on the command line. */
export function scenarioArg(name: string): AnyScenario {
  const scenario = findScenario(name);
  if (!scenario) throw new CliInputError(`unknown scenario ${JSON.stringify(name)}; known: ${SCENARIO_NAMES.join(', ')}`);
  return scenario;
}

/** Validated parameters from raw strings; every problem (with `extraIssues`) in one line. */
export function paramsArg(scenario: AnyScenario, raw: Record<string, string>, extraIssues: readonly string[] = []): Record<string, ParamValue> {
  const issues = [...extraIssues];
  let params: Record<string, ParamValue> | undefined;
  try {
    params = validateParams(scenario, raw);
  } catch (error) {
    if (!(error instanceof ScenarioParamsError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length || !params) throw new CliInputError(`invalid --set for ${scenario.name}: ${issues.join('; ')}`);
  return params;
}

/** `--set key=value` strings parsed to a raw record (issues reported with the schema's). */
export function setArgs(assignments: readonly string[]): { raw: Record<string, string>; issues: string[] } {
  return parseAssignments(assignments);
}

/** A target from `--engine` / `--target`. */
export function targetArg(text: string): Target {
  try {
    return parseTarget(text);
  } catch (error) {
    throw new CliInputError((error as Error).message);
  }
}

/** The driver asked for. */
export async function driverArg(name: 'real' | 'sim', profile: string | undefined, real: RealDriverOptions): Promise<Driver> {
  if (profile !== undefined && name !== 'sim') throw new CliInputError('--profile applies to --driver sim only');
  try {
    return await createDriver(name, profile, real);
  } catch (error) {
    if (error instanceof DriverUnavailableError) throw new CliInputError(error.message);
    throw error;
  }
}

/** The run length: `--duration` or the scenario's default for these parameters. */
export function durationFor(scenario: AnyScenario, params: Record<string, ParamValue>, duration: number | undefined): number {
  return duration ?? defaultDuration(scenario, params);
}

/** Runs plans one after another with one progress bar on stderr; `onResult` sees each result. */
export async function runPlans(driver: Driver, plans: readonly RunPlan[], options: { quiet: boolean; onResult?: (r: RunResult) => void }): Promise<RunResult[]> {
  const bar = options.quiet || !process.stderr.isTTY
    ? undefined
    : new cliProgress.SingleBar(
      { stream: process.stderr, format: '{bar} {percentage}% | {run} | {note}', barsize: 30, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
  const total = plans.length * 1000;
  bar?.start(total, 0, { run: '', note: '' });
  const results: RunResult[] = [];
  try {
    for (const [i, plan] of plans.entries()) {
      const label = `${i + 1}/${plans.length} ${plan.scenario} ${plan.target.kind === 'engine' ? plan.target.engine : plan.target.label} g${plan.guests}`;
      if (!bar && !options.quiet) process.stderr.write(`xstorm: ${label}\n`);
      bar?.update(i * 1000, { run: label, note: 'starting' });
      const result = await driver.run(plan, (fraction, note) => bar?.update(i * 1000 + Math.round(Math.min(1, fraction) * 999), { run: label, note }));
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    bar?.update(total);
    bar?.stop();
  }
  return results;
}

/**
 * Assembles, validates and writes a results file; returns its path. With
 * `artefacts` the whole results directory is written (CSV, charts,
 * summary.md, table.tex, report.html beside results.json); without, only
 * results.json (a sweep's cheap checkpoint after each run).
 */
export async function writeResults(
  kind: 'run' | 'sweep', label: string, runs: readonly RunResult[], config: Record<string, unknown>, out: string | undefined,
  options: { headlineScenario?: string; shard?: { index: number; count: number } | null; id?: string; artefacts?: boolean } = {},
): Promise<string> {
  const headlineScenario = options.headlineScenario;
  const id = options.id ?? newResultsId(kind, label);
  const file: ResultsFile = {
    schemaVersion: 1,
    id,
    kind,
    createdAt: new Date().toISOString(),
    meta: buildMeta(process.argv.slice(1)),
    config,
    runs: [...runs],
    ...(kind === 'sweep' ? { headline: computeHeadline(runs, headlineScenario ? { scenario: headlineScenario } : {}) } : {}),
    ...(options.shard ? { shard: { index: options.shard.index, count: options.shard.count } } : {}),
  };
  const dir = resultsDirFor(id, out);
  if (!options.artefacts) return writeResultsFile(dir, file);
  await writeResultsDir(dir, file);
  return join(dir, 'results.json');
}
