/**
 * `xstorm bench --today` (`npm run bench:today`): the CLI side of
 * runner/today. Reads its two knobs from the environment, so `bench`'s
 * flags stay as they are: `XSTORM_TODAY_BUDGET` (wall-clock seconds,
 * default 300 with the real daemons, 120 without) and `XSTORM_TODAY_REAL`
 * (`0` skips the real daemons even where ../shared/realxs is set up).
 * `--calibrated`, `--out` and `--json` mean what they mean for `bench`.
 */
import { UserError } from '../user-error.ts';
import { machineProfile } from '../machine-profile.ts';
import { buildMeta, newResultsId, resultsDirFor } from '../results-io.ts';
import { TODAY_DEFAULTS, realxsUnavailable, runTodayBench, writeTodayResults } from '../../runner/today/index.ts';
import { checkOutDir } from '../out-dir.ts';
import { exitOnSignals } from '../stop-signals.ts';

/** The flags of `bench` that `--today` uses. */
export interface BenchTodayArgs {
  readonly calibrated?: string;
  readonly out?: string;
  readonly force?: boolean;
  readonly json: boolean;
}

/** Parses the environment knobs; a bad value is a usage error. */
export function todayEnvironment(env: NodeJS.ProcessEnv): { budgetS: number | undefined; real: boolean } {
  const budget = env['XSTORM_TODAY_BUDGET'];
  let budgetS: number | undefined;
  if (budget !== undefined && budget !== '') {
    budgetS = Number(budget);
    if (!Number.isFinite(budgetS) || budgetS <= 0) throw new UserError(`XSTORM_TODAY_BUDGET must be a positive number of seconds, got ${JSON.stringify(budget)}`);
  }
  const real = env['XSTORM_TODAY_REAL'];
  if (real !== undefined && real !== '' && real !== '0' && real !== '1') throw new UserError(`XSTORM_TODAY_REAL must be 0 or 1, got ${JSON.stringify(real)}`);
  return { budgetS, real: real !== '0' };
}

/** Runs the bench, prints its tables (or the headline as JSON) and writes the results directory. */
export async function benchToday(args: BenchTodayArgs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const t0 = performance.now();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const knobs = todayEnvironment(env);
  const id = newResultsId('bench', 'today');
  const dir = resultsDirFor(id, args.out);
  // Before any work: an --out that cannot take the results (or holds other results) is refused now.
  checkOutDir(args.out ?? 'results', { force: args.force ?? false });
  exitOnSignals('bench --today');
  const calibrated = await machineProfile(args.calibrated, log);
  const unavailable = knobs.real ? realxsUnavailable(env) : 'XSTORM_TODAY_REAL=0';
  const realDaemons = unavailable ? { used: false, reason: unavailable } : { used: true };
  const budgetS = knobs.budgetS ?? (realDaemons.used ? TODAY_DEFAULTS.budgetS.withRealDaemons : TODAY_DEFAULTS.budgetS.simOnly);
  log(`bench --today: budget ${budgetS} s, real daemons ${realDaemons.used ? 'yes' : `no (${unavailable})`}, costs ${calibrated.name}`);
  const outcome = await runTodayBench({ config: TODAY_DEFAULTS, calibrated, realDaemons, budgetS, log, id, meta: buildMeta(process.argv.slice(1)) });
  if (args.json) process.stdout.write(`${JSON.stringify(outcome.file.headline)}\n`);
  else process.stdout.write(`${outcome.text}\n`);
  await writeTodayResults(dir, outcome);
  log(`results: ${dir} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
