/**
 * The headline of a sweep: per engine, the largest guest count it sustained,
 * and how many more guests `trie` sustained than `tdb`.
 */
import type { Headline, ResultsFile, RunResult } from './schema.ts';
import { formatBounded, ratioBound, type Bound } from './format.ts';

/** Options of {@link computeHeadline}. */
export interface HeadlineOptions {
  /** Scenario to judge; default the one swept over the most guest counts (ties: first in run order). */
  readonly scenario?: string;
  /** Numerator and denominator engines of `ratio`; default `trie` over `tdb`. */
  readonly ratio?: readonly [string, string];
}

/**
 * Computes `{ maxSustainedGuests, ratio }` from runs, deterministically
 * (engines in order of first appearance).
 *
 * For each engine, a guest count counts as sustained when every run at that
 * count (all repetitions) is `sustained`; the engine's figure is the largest
 * guest count such that it and every smaller count tried were sustained (a
 * lucky point past the collapse does not count), or null if even the
 * smallest failed. `ratio` is trie/tdb when both are non-null and tdb > 0.
 * `scenario` names the scenario judged.
 */
export function computeHeadline(runs: readonly RunResult[], options: HeadlineOptions = {}): Headline {
  const scenario = options.scenario ?? mostSweptScenario(runs);
  const byEngine = new Map<string, Map<number, boolean>>();
  for (const run of runs) {
    if (run.scenario !== scenario) continue;
    let counts = byEngine.get(run.engine);
    if (!counts) byEngine.set(run.engine, (counts = new Map()));
    counts.set(run.guests, (counts.get(run.guests) ?? true) && run.sustained);
  }
  const maxSustainedGuests: Record<string, number | null> = {};
  for (const [engine, counts] of byEngine) {
    let best: number | null = null;
    for (const guests of [...counts.keys()].sort((a, b) => a - b)) {
      if (!counts.get(guests)) break;
      best = guests;
    }
    maxSustainedGuests[engine] = best;
  }
  const [top, bottom] = options.ratio ?? ['trie', 'tdb'];
  const a = maxSustainedGuests[top];
  const b = maxSustainedGuests[bottom];
  const ratio = a != null && b != null && b > 0 ? a / b : null;
  // The scenario is recorded so `merge` can recompute the same headline from shards.
  return { maxSustainedGuests, ratio, ...(scenario !== undefined ? { scenario } : {}) };
}

/** The scenario with the most distinct guest counts; ties go to the first in run order. */
export function mostSweptScenario(runs: readonly RunResult[]): string | undefined {
  const counts = new Map<string, Set<number>>();
  for (const run of runs) {
    let set = counts.get(run.scenario);
    if (!set) counts.set(run.scenario, (set = new Set()));
    set.add(run.guests);
  }
  let best: string | undefined;
  let bestSize = 0;
  for (const [scenario, set] of counts) {
    if (set.size > bestSize) [best, bestSize] = [scenario, set.size];
  }
  return best;
}

/**
 * Per engine of a file's headline: whether its largest sustained guest
 * count is the largest count tried (the top of the grid, or all guests of
 * the bench's 160), so the true figure may be higher. Counts are taken over
 * the headline's scenario and, when the headline names one, its profile.
 */
export function sustainedAtTop(file: ResultsFile): Record<string, boolean> {
  const headline = file.headline;
  if (!headline) return {};
  const scenario = typeof headline.scenario === 'string' ? headline.scenario : mostSweptScenario(file.runs);
  const profile = typeof headline.profile === 'string' ? headline.profile : undefined;
  const out: Record<string, boolean> = {};
  for (const [engine, value] of Object.entries(headline.maxSustainedGuests)) {
    const tried = file.runs.filter((run) => run.scenario === scenario && run.engine === engine && (profile === undefined || run.profile === profile)).map((run) => run.guests);
    out[engine] = value !== null && tried.length > 0 && value >= Math.max(...tried);
  }
  return out;
}

/**
 * The headline's trie/tdb ratio with what it is: `≥ 64` when trie
 * sustained the top of the grid (the ratio is a lower bound), `≤` when tdb
 * did, else exact. Use `text` wherever the ratio is printed.
 */
export function headlineRatio(file: ResultsFile, engines: readonly [string, string] = ['trie', 'tdb']): { ratio: number | null; bound: Bound; text: string } {
  const ratio = file.headline?.ratio ?? null;
  const top = sustainedAtTop(file);
  const bound = ratioBound(top[engines[0]] ?? false, top[engines[1]] ?? false);
  return { ratio, bound, text: formatBounded(ratio, bound) };
}

/** What makes a file's grid incomplete: a partial status, or being one shard of a sweep. */
export interface GridCompleteness {
  readonly status?: 'complete' | 'partial';
  readonly shard?: { readonly index: number; readonly count: number };
  /** Runs in the file and runs planned (for the caveat's wording; optional). */
  readonly runs?: number;
  readonly planned?: number;
}

/**
 * The headline of a file whose grid is incomplete (a partial file, or one
 * shard of a sweep): the per-engine figures stay (lower bounds from the runs
 * present), the ratio is dropped, and `caveat` says why. A ratio from half a
 * grid (e.g. tdb's small counts and none of trie's) would be wrong, not
 * approximate. A complete, unsharded file's headline is returned as is,
 * without a `caveat` (an earlier one is dropped: `merge` recomputes).
 */
export function qualifyHeadline(headline: Headline, grid: GridCompleteness): Headline {
  const { caveat: _earlier, ...rest } = headline;
  const reasons: string[] = [];
  if (grid.status === 'partial') {
    reasons.push(grid.runs !== undefined && grid.planned !== undefined
      ? `partial results (${grid.runs} of ${grid.planned} planned runs, or a run stopped early)`
      : 'partial results (not every planned run is here, or one was stopped early)');
  }
  if (grid.shard) reasons.push(`shard ${grid.shard.index}/${grid.shard.count} of the grid (xstorm merge joins the shards)`);
  if (reasons.length === 0) return rest as Headline;
  return { ...rest, ratio: null, caveat: `${reasons.join('; ')}: the figures cover only the runs present, and there is no ratio from a partial grid` };
}
