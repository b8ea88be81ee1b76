/**
 * `xstorm gate <results> --baseline <dir>`: compare with a committed baseline
 * and exit 1 on a regression (0 pass/warn, 2 usage error). The job itself is
 * `runGate` in reports/.
 */
import type { CommandModule } from 'yargs';
import { runGate } from '../../reports/index.ts';

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
    const outcome = await runGate({
      results: args.results, baseline: args.baseline, config: args.config,
      updateBaseline: args['update-baseline'], allowNoVerdict: args['allow-no-verdict'], json: args.json,
    });
    process.stdout.write(outcome.output);
    if (outcome.message) process.stderr.write(`${outcome.message}\n`);
    process.exitCode = outcome.exitCode;
  },
};
