/**
 * `xstorm gate <results> --baseline <dir>`: compare with a committed baseline
 * and exit 1 on a regression (0 pass/warn, 2 usage error).
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';
import {
  DEFAULT_GATE_CONFIG, RESULTS_DIR_FILES, compareResults, formatGateReport, gateExitCode, readGateConfig, readResultsFile,
  resultsJsonPath, serializeResultsFile, writeFileAtomic,
} from '../../reports/index.ts';
import { asUsage } from './report.ts';

interface GateArgs {
  results: string;
  baseline: string;
  config?: string;
  'update-baseline': boolean;
  'allow-no-verdict': boolean;
  json: boolean;
}

export const gateCommand: CommandModule<object, GateArgs> = {
  command: 'gate <results>',
  describe: 'Compare results with a committed baseline: a table per metric, exit 1 on a regression',
  builder: (yargs) =>
    yargs
      .positional('results', { type: 'string', demandOption: true, describe: 'results directory (or results.json)' })
      .option('baseline', { type: 'string', demandOption: true, describe: 'baseline results directory, e.g. results/baseline' })
      .option('config', { type: 'string', describe: 'thresholds JSON (any part of the defaults, see results/README.md)' })
      .option('update-baseline', { type: 'boolean', default: false, describe: 'after comparing, make these results the new baseline (copies results.json and summary.md)' })
      .option('allow-no-verdict', { type: 'boolean', default: false, describe: 'exit 0 when nothing could be compared (default: exit 1, "no verdict" is not a pass)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the comparison as JSON' })
      .example('$0 gate results/ci --baseline results/baseline', 'gate a CI run')
      .example('$0 gate results/ci --baseline results/baseline --update-baseline', 'accept the new figures deliberately') as never,
  handler: async (args) => {
    const config = args.config ? await asUsage(() => readGateConfig(args.config!)) : DEFAULT_GATE_CONFIG;
    const current = await asUsage(() => readResultsFile(args.results));
    if (args['update-baseline']) {
      await mkdir(args.baseline, { recursive: true });
      const previous = await asUsage(() => readResultsFile(args.baseline)).catch(() => null);
      if (previous) process.stdout.write(formatGateReport(compareResults(previous, current, config)));
      await writeFileAtomic(path.join(args.baseline, RESULTS_DIR_FILES.json), serializeResultsFile(current));
      const summary = path.join(path.dirname(resultsJsonPath(args.results)), RESULTS_DIR_FILES.summary);
      const text = await readFile(summary, 'utf8').catch(() => null);
      if (text !== null) await writeFileAtomic(path.join(args.baseline, RESULTS_DIR_FILES.summary), text);
      process.stderr.write(`xstorm gate: baseline ${args.baseline} updated from ${args.results} (${current.runs.length} runs); commit it deliberately\n`);
      return;
    }
    const baseline = await asUsage(() => readResultsFile(args.baseline));
    const keys = new Set(baseline.runs.map((run) => run.key));
    if (!current.runs.some((run) => keys.has(run.key)) && !(baseline.headline && current.headline)) {
      throw new UsageError(`gate: no run of ${args.results} matches the baseline ${args.baseline} by key (wrong baseline?)`);
    }
    const report = compareResults(baseline, current, config);
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatGateReport(report));
    process.exitCode = gateExitCode(report, { allowNoVerdict: args['allow-no-verdict'] });
  },
};
