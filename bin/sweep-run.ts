/**
 * Running a sweep's grid so that what it measured survives: results.json is
 * rewritten after every run (a checkpoint, marked partial until the last
 * run), so a sweep killed at any point leaves a valid, partial file. A
 * checkpoint that cannot be written (disk full) stops the sweep with a
 * clear message; the runs in memory are then written wherever possible:
 * the results directory once more, else a rescue directory in the temp dir.
 */
import os from 'node:os';
import path from 'node:path';
import type { RunResult } from '../reports/schema.ts';
import type { Driver, RunPlan } from '../runner/types.ts';
import { runPlans } from './cli-run.ts';

/** How a sweep ended. */
export type SweepEnd =
  /** Every planned run ran; the results are written. */
  | 'complete'
  /** The signal stopped it; what it measured is written, marked partial. */
  | 'stopped'
  /** Writing the results failed; see `saveError` and `path` (a rescue copy, if any). */
  | 'save-failed';

/** What {@link runSweep} returns. */
export interface SweepOutcome {
  readonly runs: readonly RunResult[];
  readonly end: SweepEnd;
  /** Where results.json was finally written, if anywhere. */
  readonly path: string | undefined;
  readonly saveError?: Error;
}

/** Writes the runs so far; `final`: the sweep is over (all artefacts, and the status that ending gives). */
export type SweepSaver = (runs: readonly RunResult[], final: boolean, dir?: string) => Promise<string>;

/** Options of {@link runSweep}. */
export interface SweepOptions {
  readonly driver: Driver;
  /** The grid's cells to run (this shard's), each with its index in the full grid. */
  readonly plans: readonly { readonly gridIndex: number; readonly cell: RunPlan }[];
  /** Writes results.json into the results directory, or into `dir` when given (the rescue). */
  readonly save: SweepSaver;
  /** Names the rescue directory (`<tmp>/xstorm-rescue-<id>`). */
  readonly id: string;
  readonly signal?: AbortSignal;
  readonly quiet?: boolean;
  /** Messages for the user (stderr). */
  readonly log: (line: string) => void;
  /** Where rescue copies go (default the OS temp dir). */
  readonly rescueBase?: string;
}

/** Runs the sweep (see the module comment). A run that fails (not a save) is rethrown after the partial results are written. */
export async function runSweep(options: SweepOptions): Promise<SweepOutcome> {
  const { plans } = options;
  const runs: RunResult[] = [];
  const saveFailed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, saveFailed.signal]) : saveFailed.signal;
  let saveError: Error | undefined;
  let stopped = false;
  try {
    ({ stopped } = await runPlans(options.driver, plans.map((p) => p.cell), {
      label: 'sweep',
      quiet: options.quiet ?? false,
      signal,
      onResult: async (run, index) => {
        runs.push({ ...run, gridIndex: plans[index]!.gridIndex });
        if (runs.length === plans.length) return; // the final write follows
        try {
          await options.save(runs, false);
        } catch (error) {
          saveError = error as Error;
          options.log(`xstorm sweep: cannot save the results after run ${runs.length} of ${plans.length}: ${(error as Error).message}; stopping the sweep`);
          saveFailed.abort(error);
        }
      },
    }));
  } catch (error) {
    if (runs.length) {
      const written = await writeSomewhere(options, runs);
      options.log(`xstorm sweep: stopped after ${runs.length} of ${plans.length} runs; partial results ${written ? `in ${written}` : 'could not be written'}`);
    }
    throw error;
  }
  if (saveError) {
    const written = await writeSomewhere(options, runs);
    return { runs, end: 'save-failed', path: written, saveError };
  }
  try {
    const written = await options.save(runs, true);
    return { runs, end: stopped ? 'stopped' : 'complete', path: written };
  } catch (error) {
    options.log(`xstorm sweep: cannot save the results: ${(error as Error).message}`);
    const written = await writeSomewhere(options, runs, true);
    return { runs, end: 'save-failed', path: written, saveError: error as Error };
  }
}

/**
 * Writes the runs (marked partial) into the results directory, else into a
 * rescue directory; says where, or that nothing could be written. Returns
 * the path written, if any.
 */
async function writeSomewhere(options: SweepOptions, runs: readonly RunResult[], skipResultsDir = false): Promise<string | undefined> {
  if (!skipResultsDir) {
    try {
      return await options.save(runs, false);
    } catch {
      // the results directory still refuses: try the rescue directory
    }
  }
  const rescue = path.join(options.rescueBase ?? os.tmpdir(), `xstorm-rescue-${options.id}`);
  try {
    const written = await options.save(runs, false, rescue);
    options.log(`xstorm sweep: the ${runs.length} runs measured are saved in ${written} (partial)`);
    return written;
  } catch (error) {
    options.log(`xstorm sweep: cannot save the ${runs.length} runs measured anywhere (${(error as Error).message}); the table below is all that is left`);
    return undefined;
  }
}
