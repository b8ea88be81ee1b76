/** `xstorm report <results dir...> [--out <dir>]`: regenerate every artefact from results.json files. */
import type { CommandModule } from 'yargs';
import { readResultsFile, resultsJsonPath, writeReport } from '../../reports/index.ts';
import { checkOutDir } from '../out-dir.ts';
import { UserError } from '../user-error.ts';
import * as path from 'node:path';

interface ReportArgs {
  results: string[];
  out?: string;
  png: boolean;
  force: boolean;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <results..>',
  describe: 'Regenerate CSV, charts, summary.md, table.tex and report.html from results directories; several inputs are compared in one set of charts',
  builder: (yargs) =>
    yargs
      .positional('results', { type: 'string', array: true, demandOption: true, describe: 'results directories (or results.json files)' })
      .option('out', { type: 'string', describe: 'write here (default: the input directory; required with several inputs)' })
      .option('png', { type: 'boolean', default: true, describe: 'render PNG charts (--no-png to skip)' })
      .option('force', { type: 'boolean', default: false, describe: 'write into an --out that holds other results' })
      .example('$0 report results/2026-11-25-sweep', 'rewrite the artefacts in place')
      .example('$0 report results/a results/b --out results/a-vs-b', 'compare two runs (e.g. two commits, or real daemons vs engines)') as never,
  handler: async (args) => {
    const inputs = args.results;
    if (inputs.length > 1 && !args.out) throw new UserError('report: give --out <dir> when comparing several results');
    const out = args.out ?? path.dirname(resultsJsonPath(inputs[0]!));
    // The input's own directory may be rewritten; another results directory only with --force.
    checkOutDir(out, { force: args.force, mayRewrite: inputs.map((input) => path.dirname(resultsJsonPath(input))) });
    const files = await Promise.all(inputs.map((input) => readResultsFile(input)));
    const written = await writeReport(out, files, { png: args.png });
    process.stderr.write(`xstorm report: wrote ${written.length} files to ${out}\n`);
    for (const file of written) process.stdout.write(`${file}\n`);
  },
};
