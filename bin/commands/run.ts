/**
 * `xstorm run`: one scenario, one engine (or socket target), one guest
 * count; progress on stderr, a summary table (or `--json`) at the end,
 * results in `results/<id>/`. Every input, `--out` and the target
 * included, is checked before the run starts; Ctrl-C (SIGINT) or SIGTERM
 * stops the run and writes what it measured, marked partial.
 */
import type { CommandModule } from 'yargs';
import { ENGINE_KINDS } from '../../engines/index.ts';
import { SCENARIO_NAMES } from '../../scenarios/index.ts';
import { createDriver } from '../../runner/drivers.ts';
import { targetEngineLabel } from '../../runner/result.ts';
import type { RunPlan } from '../../runner/types.ts';
import { checkNumber, checkSocketTarget, durationFor, paramsArg, parseTarget, profileArg, scenarioArg, setArgs } from '../cli-args.ts';
import { runPlans, writeResults } from '../cli-run.ts';
import { runJson, runsTable } from '../console.ts';
import { checkOutDir, freshResultsDir } from '../out-dir.ts';
import { buildResultsFile, newResultsId } from '../results-io.ts';
import { signalExitCode, stopOnSignals } from '../stop-signals.ts';
import { UserError } from '../user-error.ts';

interface RunArgs {
  scenario: string;
  engine?: string;
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
  force: boolean;
  json: boolean;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run one scenario against one engine (or a real xenstored over its socket) and report goodput, aborts, latency, livelock',
  builder: (yargs) =>
    yargs
      .option('scenario', { type: 'string', demandOption: true, describe: `workload: ${SCENARIO_NAMES.join(', ')}` })
      // No yargs default: a default would count as given and conflict with --target.
      .option('engine', { type: 'string', describe: `engine behind xstorm's daemon: ${ENGINE_KINDS.join(', ')} (default trie)` })
      .option('target', { type: 'string', describe: 'socket:<path>[=label]: drive any xenstored over its Unix socket instead' })
      .conflicts('target', 'engine')
      .option('guests', { type: 'number', describe: 'guest count (default: the scenario\'s)' })
      .option('duration', { type: 'number', describe: 'run length in seconds (default: the scenario\'s)' })
      .option('seed', { type: 'number', default: 1, describe: 'seed of the actors\' PRNGs' })
      .option('set', { type: 'string', array: true, default: [], describe: 'scenario parameter key=value (repeatable)' })
      .option('driver', { type: 'string', default: 'real', choices: ['real', 'sim'] as const, describe: 'real time (worker threads) or simulated clock' })
      .option('profile', { type: 'string', describe: 'cost profile for --driver sim (name or file)' })
      .option('rate', { type: 'number', describe: 'open model: iterations/s over all guests (default: closed model)' })
      .option('workers', { type: 'number', describe: 'worker threads for the real driver (default: cores − 1)' })
      .option('out', { type: 'string', describe: 'results directory (default results/<id>)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace the results already in --out' })
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
    const scenario = scenarioArg(args.scenario);
    const { raw, issues } = setArgs(args.set);
    const params = paramsArg(scenario, raw, issues);
    const target = parseTarget(args.target ?? args.engine ?? 'trie');
    if (target.kind === 'socket' && args.driver === 'sim') throw new UserError('--target socket: needs --driver real');
    if (args.profile !== undefined && args.driver !== 'sim') throw new UserError('--profile applies to --driver sim only');
    const profile = args.driver === 'sim' ? profileArg(args.profile ?? 'xen-2009') : undefined;
    const plan: RunPlan = {
      scenario: scenario.name,
      params,
      guests: args.guests ?? scenario.defaultGuests,
      seed: args.seed,
      durationS: durationFor(scenario, params, args.duration),
      target,
      rep: 0,
      ...(profile ? { profile: profile.name } : {}),
      ...(args.rate !== undefined ? { arrivalRate: args.rate } : {}),
    };
    const id = newResultsId('run', `${plan.scenario}-${targetEngineLabel(target)}-g${plan.guests}`);
    const dir = checkOutDir(args.out ?? freshResultsDir(id), { force: args.force });
    await checkSocketTarget(target);
    const driver = await createDriver(args.driver, profile, args.workers ? { workers: args.workers } : {});

    const stopper = stopOnSignals({
      stopping: driver.name === 'real'
        ? 'stopping the run; what it measured will be written, marked partial'
        : 'the simulated driver cannot stop a run part-way: it finishes, then its results are written',
    });
    try {
      const { results, stopped } = await runPlans(driver, [plan], { label: 'run', signal: stopper.signal });
      const signal = stopper.received();
      const result = results[0];
      if (!result) {
        process.stderr.write('xstorm run: stopped before the run started; nothing written\n');
        process.exitCode = signalExitCode(signal ?? 'SIGINT');
        return;
      }
      const config = { command: 'run', ...plan, driver: driver.name };
      const path = await writeResults(dir, buildResultsFile({ kind: 'run', id, config, runs: [result] }), true);
      if (args.json) process.stdout.write(`${JSON.stringify(runJson(result, path))}\n`);
      else {
        process.stdout.write(`${runsTable([result])}\n`);
        process.stdout.write(`SLO (${result.slo.description}): ${result.slo.ok ? 'held' : 'failed'} — ${result.slo.detail}\n`);
        if (result.status === 'partial') process.stdout.write(`partial: stopped by ${signal ?? 'a signal'} after ${result.durationS.toFixed(1)} of ${plan.durationS} s\n`);
        process.stdout.write(`results: ${path}\n`);
      }
      if (stopped && signal) process.exitCode = signalExitCode(signal);
    } finally {
      stopper.dispose();
    }
  },
};
