/**
 * The plumbing behind `xstorm run` and `xstorm sweep`: running plans one
 * after another with progress on stderr and a stop signal, and writing a
 * results file or directory. bin/commands/run.ts and sweep.ts declare
 * their flags and call these.
 */
import { join } from 'node:path';
import { RESULTS_JSON, writeResultsFile } from '../reports/io.ts';
import { writeResultsDir } from '../reports/results-dir.ts';
import type { ResultsFile, RunResult } from '../reports/schema.ts';
import { RunStoppedError } from '../runner/real/index.ts';
import { targetEngineLabel } from '../runner/result.ts';
import type { Driver, RunPlan } from '../runner/types.ts';
import { startProgress } from './progress.ts';

/** Options of {@link runPlans}. */
export interface RunPlansOptions {
  /** Names the work in progress lines (`run`, `sweep`). */
  readonly label: string;
  /** No progress on stderr. */
  readonly quiet?: boolean;
  /** Aborted: the current run stops (partial, if the driver can) and no further run starts. */
  readonly signal?: AbortSignal;
  /** Sees each result as it comes (awaited before the next run starts). */
  readonly onResult?: (result: RunResult, index: number) => Promise<void> | void;
  /** Default process.stderr (tests inject). */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** What {@link runPlans} ran. */
export interface RunPlansOutcome {
  readonly results: RunResult[];
  /** The signal stopped the plans: some did not run, or the last one is partial. */
  readonly stopped: boolean;
}

/** A plan in a progress note: `2/8 short-txn tdb g4`. */
export function planLabel(plan: RunPlan, index: number, count: number): string {
  return `${index + 1}/${count} ${plan.scenario} ${targetEngineLabel(plan.target)} g${plan.guests}`;
}

/** Runs plans one after another with one progress display on stderr. */
export async function runPlans(driver: Driver, plans: readonly RunPlan[], options: RunPlansOptions): Promise<RunPlansOutcome> {
  const progress = options.quiet ? undefined : startProgress({ label: options.label, ...(options.stream ? { stream: options.stream } : {}) });
  const results: RunResult[] = [];
  let stopped = false;
  let finished = false;
  try {
    for (const [i, plan] of plans.entries()) {
      if (options.signal?.aborted) {
        stopped = true;
        break;
      }
      const label = planLabel(plan, i, plans.length);
      progress?.update(i / plans.length, label);
      let result: RunResult;
      try {
        result = await driver.run(
          plan,
          (fraction, note) => progress?.update((i + Math.min(1, fraction)) / plans.length, `${label} | ${note}`),
          options.signal ? { signal: options.signal } : {},
        );
      } catch (error) {
        if (!(error instanceof RunStoppedError)) throw error;
        stopped = true;
        break;
      }
      results.push(result);
      await options.onResult?.(result, i);
      if (result.status === 'partial') {
        stopped = true;
        break;
      }
    }
    finished = !stopped;
  } finally {
    progress?.stop(finished);
  }
  return { results, stopped };
}

/**
 * Writes a results file into `dir`: with `artefacts` the whole results
 * directory (CSV, charts, summary.md, table.tex, report.html beside
 * results.json), else only results.json (a sweep's cheap checkpoint after
 * each run). Returns the path of results.json.
 */
export async function writeResults(dir: string, file: ResultsFile, artefacts: boolean): Promise<string> {
  if (!artefacts) return writeResultsFile(dir, file);
  await writeResultsDir(dir, file);
  return join(dir, RESULTS_JSON);
}
