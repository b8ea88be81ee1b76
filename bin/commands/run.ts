/**
 * `xstorm run`: one scenario, one engine (or socket target), one guest
 * count; progress on stderr, a summary table (or `--json`) at the end,
 * results in `results/<id>/results.json`.
 */
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';
import { ENGINE_KINDS } from '../../engines/index.ts';
import { SCENARIO_NAMES } from '../../scenarios/index.ts';
import { runJson, runsTable } from '../../runner/console.ts';
import { CliInputError, driverArg, durationFor, paramsArg, runPlans, scenarioArg, setArgs, targetArg, writeResults } from '../../runner/cli-run.ts';
import type { RunPlan } from '../../runner/types.ts';

interface RunArgs {
  scenario: string;
  engine: string;
  target?: string;
  guests?: number;
  duration?: number;
  seed: number;
  set: string[];
  driver: 'real' | 'sim';
  profile?: string;
  rate?: number;
  workers?: number;
  out?: string;
  json: boolean;
}

/** Checks a numeric flag; NaN and out-of-range values are usage errors. */
export function checkNumber(name: string, value: number | undefined, opts: { integer?: boolean; min?: number; positive?: boolean }): void {
  if (value === undefined) return;
  if (!Number.isFinite(value)) throw new UsageError(`--${name} must be a number`);
  if (opts.integer && !Number.isInteger(value)) throw new UsageError(`--${name} must be an integer, got ${value}`);
  if (opts.positive && !(value > 0)) throw new UsageError(`--${name} must be positive, got ${value}`);
  if (opts.min !== undefined && value < opts.min) throw new UsageError(`--${name} must be ≥ ${opts.min}, got ${value}`);
}

/** Maps the runner's CLI input errors to usage errors (exit 2). */
export async function asUsageError<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CliInputError) throw new UsageError(error.message);
    throw error;
  }
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run one scenario against one engine (or a real xenstored over its socket) and report goodput, aborts, latency, livelock',
  builder: (yargs) =>
    yargs
      .option('scenario', { type: 'string', demandOption: true, describe: `workload: ${SCENARIO_NAMES.join(', ')}` })
      .option('engine', { type: 'string', default: 'trie', describe: `engine behind xstorm's daemon: ${ENGINE_KINDS.join(', ')}` })
      .option('target', { type: 'string', describe: 'socket:<path>[=label]: drive any xenstored over its Unix socket instead' })
      .option('guests', { type: 'number', describe: 'guest count (default: the scenario\'s)' })
      .option('duration', { type: 'number', describe: 'run length in seconds (default: the scenario\'s)' })
      .option('seed', { type: 'number', default: 1, describe: 'seed of the actors\' PRNGs' })
      .option('set', { type: 'string', array: true, default: [], describe: 'scenario parameter key=value (repeatable)' })
      .option('driver', { type: 'string', default: 'real', choices: ['real', 'sim'] as const, describe: 'real time (worker threads) or simulated clock' })
      .option('profile', { type: 'string', describe: 'cost profile for --driver sim (name or file)' })
      .option('rate', { type: 'number', describe: 'open model: iterations/s over all guests (default: closed model)' })
      .option('workers', { type: 'number', describe: 'worker threads for the real driver (default: cores − 1)' })
      .option('out', { type: 'string', describe: 'results directory (default results/<id>)' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object on stdout' })
      .example('$0 run --scenario short-txn --engine tdb --guests 16 --set sharedFraction=0.2', 'tdb under 16 guests')
      .example('$0 run --scenario paper-7.3 --engine trie --guests 40 --set timeScale=0.05', 'the headline, 20× compressed')
      .example('$0 run --scenario short-txn --target socket:/tmp/xs/socket=oxenstored --guests 8', 'a real daemon') as never,
  handler: async (args) => {
    checkNumber('guests', args.guests, { integer: true, positive: true });
    checkNumber('duration', args.duration, { positive: true });
    checkNumber('seed', args.seed, { integer: true });
    checkNumber('rate', args.rate, { positive: true });
    checkNumber('workers', args.workers, { integer: true, positive: true });
    const { plan, driver } = await asUsageError(async () => {
      const scenario = scenarioArg(args.scenario);
      const { raw, issues } = setArgs(args.set);
      const params = paramsArg(scenario, raw, issues);
      const target = targetArg(args.target ?? args.engine);
      if (target.kind === 'socket' && args.driver === 'sim') throw new CliInputError('--target socket: needs --driver real');
      const plan: RunPlan = {
        scenario: scenario.name,
        params,
        guests: args.guests ?? scenario.defaultGuests,
        seed: args.seed,
        durationS: durationFor(scenario, params, args.duration),
        target,
        rep: 0,
        ...(args.profile !== undefined ? { profile: args.profile } : args.driver === 'sim' ? { profile: 'xen-2009' } : {}),
        ...(args.rate !== undefined ? { arrivalRate: args.rate } : {}),
      };
      const driver = await driverArg(args.driver, args.profile, args.workers ? { workers: args.workers } : {});
      return { plan, driver };
    });
    const [result] = await runPlans(driver, [plan], { quiet: false });
    const config = { command: 'run', ...plan, driver: driver.name };
    const path = await writeResults('run', `${plan.scenario}-${result!.engine}-g${plan.guests}`, [result!], config as Record<string, unknown>, args.out, { artefacts: true });
    if (args.json) process.stdout.write(`${JSON.stringify(runJson(result!, path))}\n`);
    else {
      process.stdout.write(`${runsTable([result!])}\n`);
      process.stdout.write(`SLO (${result!.slo.description}): ${result!.slo.ok ? 'held' : 'failed'} — ${result!.slo.detail}\n`);
      process.stdout.write(`results: ${path}\n`);
    }
  },
};
