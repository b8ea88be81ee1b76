/**
 * `xstorm sweep`: a grid of runs (engines/targets × guest counts ×
 * parameter values × repetitions), the table of every run, and the
 * headline: the largest sustained guest count per engine and trie/tdb.
 * results.json is rewritten after every run (marked partial until the
 * last), so a sweep stopped at any point keeps what it measured; a partial
 * or sharded sweep's headline gives no ratio.
 */
import type { CommandModule } from 'yargs';
import { ENGINE_KINDS } from '../../engines/index.ts';
import { SCENARIO_NAMES } from '../../scenarios/index.ts';
import { parseShard } from '../../reports/shard.ts';
import type { RunResult } from '../../reports/schema.ts';
import { createDriver } from '../../runner/drivers.ts';
import type { RunPlan, Target } from '../../runner/types.ts';
import { selectShardWithIndex } from '../../reports/shard.ts';
import { checkNumber, checkSocketTarget, durationFor, paramsArg, parseGrid, parseGuestList, parseTarget, profileArg, scenarioArg } from '../cli-args.ts';
import { writeResults } from '../cli-run.ts';
import { headlineLine, runJson, runsTable } from '../console.ts';
import { checkOutDir, freshResultsDir } from '../out-dir.ts';
import { buildResultsFile, newResultsId } from '../results-io.ts';
import { signalExitCode, stopOnSignals } from '../stop-signals.ts';
import { runSweep } from '../sweep-run.ts';
import { UserError } from '../user-error.ts';

interface SweepArgs {
  scenario: string;
  engines: string;
  target: string[];
  guests: string;
  set: string[];
  reps: number;
  duration?: number;
  seed: number;
  driver: 'real' | 'sim';
  profile?: string;
  rate?: number;
  workers?: number;
  shard?: string;
  out?: string;
  force: boolean;
  json: boolean;
}

export const sweepCommand: CommandModule<object, SweepArgs> = {
  command: 'sweep',
  describe: 'Run a grid (engines × guest counts × parameters × repetitions) and report the largest sustained guest count per engine and trie/tdb',
  builder: (yargs) =>
    yargs
      .option('scenario', { type: 'string', demandOption: true, describe: `workload: ${SCENARIO_NAMES.join(', ')}` })
      .option('engines', { type: 'string', default: 'tdb,trie', describe: `comma-separated engines (${ENGINE_KINDS.join(', ')}); empty with --target for sockets only` })
      .option('target', { type: 'string', array: true, default: [], describe: 'also socket:<path>[=label] targets (repeatable)' })
      .option('guests', { type: 'string', demandOption: true, describe: 'guest counts: 1,2,4,8 or ranges 1-64*2, 10-160:10' })
      .option('set', { type: 'string', array: true, default: [], describe: 'scenario parameter key=v1[,v2...] (a grid axis per key)' })
      .option('reps', { type: 'number', default: 1, describe: 'repetitions per cell (seed + rep)' })
      .option('duration', { type: 'number', describe: 'run length in seconds (default: the scenario\'s)' })
      .option('seed', { type: 'number', default: 1 })
      .option('driver', { type: 'string', default: 'real', choices: ['real', 'sim'] as const })
      .option('profile', { type: 'string', describe: 'cost profile for --driver sim' })
      .option('rate', { type: 'number', describe: 'open model: iterations/s over all guests' })
      .option('workers', { type: 'number', describe: 'worker threads for the real driver' })
      .option('shard', { type: 'string', describe: 'run only shard i/n of the grid (or auto: CI/Kubernetes/Slurm index variables)' })
      .option('out', { type: 'string', describe: 'results directory (default results/<id>)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace the results already in --out' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object on stdout' })
      .example('$0 sweep --scenario short-txn --guests 1-64*2 --set sharedFraction=0.2', 'tdb vs trie, 1..64 guests')
      .example('$0 sweep --scenario paper-7.3 --guests 20,40,80,160 --set timeScale=0.05 --driver sim', 'the headline') as never,
  handler: async (args) => {
    checkNumber('reps', args.reps, { integer: true, positive: true });
    checkNumber('duration', args.duration, { positive: true });
    checkNumber('seed', args.seed, { integer: true });
    checkNumber('rate', args.rate, { positive: true });
    checkNumber('workers', args.workers, { integer: true, positive: true });
    const scenario = scenarioArg(args.scenario);
    const guestCounts = parseGuestList(args.guests);
    const grid = parseGrid(args.set);
    const targets: Target[] = [
      ...args.engines.split(',').map((e) => e.trim()).filter(Boolean).map(parseTarget),
      ...args.target.map(parseTarget),
    ];
    if (targets.length === 0) throw new UserError('nothing to sweep: give --engines and/or --target');
    if (args.driver === 'sim' && targets.some((t) => t.kind === 'socket')) throw new UserError('socket targets need --driver real');
    if (args.profile !== undefined && args.driver !== 'sim') throw new UserError('--profile applies to --driver sim only');
    const profile = args.driver === 'sim' ? profileArg(args.profile ?? 'xen-2009') : undefined;
    const cells: RunPlan[] = [];
    for (const raw of grid) {
      const params = paramsArg(scenario, raw);
      for (const target of targets) {
        for (const guests of guestCounts) {
          for (let rep = 0; rep < args.reps; rep++) {
            cells.push({
              scenario: scenario.name, params, guests, seed: args.seed + rep, rep, target,
              durationS: durationFor(scenario, params, args.duration),
              ...(profile ? { profile: profile.name } : {}),
              ...(args.rate !== undefined ? { arrivalRate: args.rate } : {}),
            });
          }
        }
      }
    }
    const shard = args.shard ? parseShard(args.shard) : null;
    const plans = selectShardWithIndex(cells, shard);
    const id = newResultsId('sweep', scenario.name);
    const dir = checkOutDir(args.out ?? freshResultsDir(id), { force: args.force });
    for (const target of targets) await checkSocketTarget(target);
    const driver = await createDriver(args.driver, profile, args.workers ? { workers: args.workers } : {});
    const config = {
      command: 'sweep', scenario: scenario.name, engines: args.engines, targets: args.target, guests: args.guests, set: args.set,
      reps: args.reps, duration: args.duration ?? null, seed: args.seed, driver: driver.name, profile: args.profile ?? null, rate: args.rate ?? null,
    };
    const fileOf = (runs: readonly RunResult[], final: boolean) =>
      buildResultsFile({ kind: 'sweep', id, config, runs, headline: { computeFor: scenario.name }, shard, planned: plans.length, partial: !final });

    const stopper = stopOnSignals({
      stopping: driver.name === 'real'
        ? 'stopping the sweep; what it measured will be written, marked partial'
        : 'stopping the sweep after the current simulated run; what it measured will be written, marked partial',
    });
    let outcome;
    try {
      outcome = await runSweep({
        driver, plans, id,
        signal: stopper.signal,
        save: (runs, final, rescueDir) => writeResults(rescueDir ?? dir, fileOf(runs, final), final && rescueDir === undefined),
        log: (line) => process.stderr.write(`${line}\n`),
      });
    } finally {
      stopper.dispose();
    }
    const file = fileOf(outcome.runs, outcome.end === 'complete');
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ scenario: scenario.name, status: file.status, headline: file.headline, runs: outcome.runs.map((r) => runJson(r)), results: outcome.path ?? null })}\n`);
    } else {
      if (outcome.runs.length) process.stdout.write(`${runsTable(outcome.runs)}\n\n`);
      if (file.headline) process.stdout.write(`${headlineLine(file.headline, file)}\n`);
      if (outcome.path) process.stdout.write(`results: ${outcome.path}${file.status === 'partial' ? ` (partial: ${outcome.runs.length} of ${plans.length} runs)` : ''}\n`);
    }
    if (outcome.end === 'save-failed') {
      process.stderr.write(`xstorm sweep: the results could not be written to ${dir}${outcome.saveError ? ` (${outcome.saveError.message})` : ''}\n`);
      process.exitCode = 1;
    } else if (outcome.end === 'stopped') {
      process.exitCode = signalExitCode(stopper.received() ?? 'SIGINT');
    }
  },
};
