/** `xstorm report <results dir...> [--out <dir>]`: regenerate every artefact from results.json files. */
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';
import { ReportInputError, readResultsFile, writeReport } from '../../reports/index.ts';

interface ReportArgs {
  results: string[];
  out?: string;
  png: boolean;
}

/** Runs a reports-layer call, turning its input errors into usage errors (exit 2). */
export async function asUsage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ReportInputError) throw new UsageError(error.message);
    throw error;
  }
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <results..>',
  describe: 'Regenerate CSV, charts, summary.md, table.tex and report.html from results directories; several inputs are compared in one set of charts',
  builder: (yargs) =>
    yargs
      .positional('results', { type: 'string', array: true, demandOption: true, describe: 'results directories (or results.json files)' })
      .option('out', { type: 'string', describe: 'write here (default: the input directory; required with several inputs)' })
      .option('png', { type: 'boolean', default: true, describe: 'render PNG charts (--no-png to skip)' })
      .example('$0 report results/2026-11-25-sweep', 'rewrite the artefacts in place')
      .example('$0 report results/a results/b --out results/a-vs-b', 'compare two runs (e.g. two commits, or real daemons vs engines)') as never,
  handler: async (args) => {
    const inputs = args.results;
    if (inputs.length > 1 && !args.out) throw new UsageError('report: give --out <dir> when comparing several results');
    const out = args.out ?? inputs[0]!;
    const files = await asUsage(() => Promise.all(inputs.map((input) => readResultsFile(input))));
    const written = await asUsage(() => writeReport(out, files, { png: args.png }));
    process.stderr.write(`xstorm report: wrote ${written.length} files to ${out}\n`);
    for (const file of written) process.stdout.write(`${file}\n`);
  },
};
