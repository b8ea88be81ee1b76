/**
 * `xstorm sweep`: a grid of runs (engines/targets × guest counts ×
 * parameter values × repetitions), the table of every run, and the
 * headline: the largest sustained guest count per engine and trie/tdb.
 */
import type { CommandModule } from 'yargs';
import { ENGINE_KINDS } from '../../engines/index.ts';
import { SCENARIO_NAMES } from '../../scenarios/index.ts';
import { parseShard, selectShardWithIndex, ReportInputError } from '../../reports/index.ts';
import { parseGrid, parseGuestList } from '../../runner/cli-args.ts';
import { runJson, runsTable } from '../../runner/console.ts';
import { CliInputError, driverArg, durationFor, newResultsId, paramsArg, runPlans, scenarioArg, targetArg, writeResults } from '../../runner/cli-run.ts';
import type { RunResult } from '../../reports/schema.ts';
import type { RunPlan, Target } from '../../runner/types.ts';
import { asUsageError, checkNumber } from './run.ts';

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
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object on stdout' })
      .example('$0 sweep --scenario short-txn --guests 1-64*2 --set sharedFraction=0.2', 'tdb vs trie, 1..64 guests')
      .example('$0 sweep --scenario paper-7.3 --guests 20,40,80,160 --set timeScale=0.05 --driver sim', 'the headline') as never,
  handler: async (args) => {
    checkNumber('reps', args.reps, { integer: true, positive: true });
    checkNumber('duration', args.duration, { positive: true });
    checkNumber('seed', args.seed, { integer: true });
    checkNumber('rate', args.rate, { positive: true });
    checkNumber('workers', args.workers, { integer: true, positive: true });
    const { plans, driver, scenarioName, shard } = await asUsageError(async () => {
      const scenario = scenarioArg(args.scenario);
      let guestCounts: number[];
      let grid: Record<string, string>[];
      try {
        guestCounts = parseGuestList(args.guests);
        grid = parseGrid(args.set);
      } catch (error) {
        throw new CliInputError((error as Error).message);
      }
      const targets: Target[] = [
        ...args.engines.split(',').map((e) => e.trim()).filter(Boolean).map(targetArg),
        ...args.target.map(targetArg),
      ];
      if (targets.length === 0) throw new CliInputError('nothing to sweep: give --engines and/or --target');
      if (args.driver === 'sim' && targets.some((t) => t.kind === 'socket')) throw new CliInputError('socket targets need --driver real');
      const cells: RunPlan[] = [];
      for (const raw of grid) {
        const params = paramsArg(scenario, raw);
        for (const target of targets) {
          for (const guests of guestCounts) {
            for (let rep = 0; rep < args.reps; rep++) {
              cells.push({
                scenario: scenario.name, params, guests, seed: args.seed + rep, rep, target,
                durationS: durationFor(scenario, params, args.duration),
                ...(args.driver === 'sim' ? { profile: args.profile ?? 'xen-2009' } : {}),
                ...(args.rate !== undefined ? { arrivalRate: args.rate } : {}),
              });
            }
          }
        }
      }
      let shard: { index: number; count: number } | null = null;
      try {
        shard = args.shard ? parseShard(args.shard) : null;
      } catch (error) {
        if (error instanceof ReportInputError) throw new CliInputError(error.message);
        throw error;
      }
      const selected = selectShardWithIndex(cells, shard);
      const driver = await driverArg(args.driver, args.profile, args.workers ? { workers: args.workers } : {});
      return { plans: selected, driver, scenarioName: scenario.name, shard };
    });
    const config = {
      command: 'sweep', scenario: scenarioName, engines: args.engines, targets: args.target, guests: args.guests, set: args.set,
      reps: args.reps, duration: args.duration ?? null, seed: args.seed, driver: driver.name, profile: args.profile ?? null, rate: args.rate ?? null,
    };
    const id = newResultsId('sweep', scenarioName);
    // The file is rewritten after every run, so a sweep that fails half-way keeps what it measured.
    const done: RunResult[] = [];
    let writing = Promise.resolve('');
    const save = (artefacts = false) =>
      (writing = writing.then(() => writeResults('sweep', scenarioName, done, config, args.out, { headlineScenario: scenarioName, shard, id, artefacts })));
    try {
      await runPlans(driver, plans.map((p) => p.cell), {
        quiet: false,
        onResult: (run) => {
          done.push({ ...run, gridIndex: plans[done.length]!.gridIndex });
          void save();
        },
      });
    } catch (error) {
      if (done.length) process.stderr.write(`xstorm sweep: stopped after ${done.length} of ${plans.length} runs; partial results in ${await save()}\n`);
      throw error;
    }
    const withIndex = done;
    const path = await save(true);
    const { readResultsFile, headlineRatio, sustainedAtTop } = await import('../../reports/index.ts');
    const written = await readResultsFile(path);
    const headline = written.headline;
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ scenario: scenarioName, headline, runs: withIndex.map((r) => runJson(r)), results: path })}\n`);
      return;
    }
    process.stdout.write(`${runsTable(withIndex)}\n\n`);
    if (headline) {
      // `≥` where the top of the grid still sustained: the ratio is then a lower bound.
      const top = sustainedAtTop(written);
      const engines = Object.entries(headline.maxSustainedGuests).map(([e, n]) => `${e}: ${n === null ? 'none' : `${top[e] ? '≥ ' : ''}${n}`}`).join(', ');
      process.stdout.write(`largest sustained guest count: ${engines}; trie/tdb ratio: ${headlineRatio(written).text}\n`);
    }
    process.stdout.write(`results: ${path}\n`);
  },
};
