/** `xstorm merge <shard dirs...> --out <dir>`: join the shards of a sweep into one results directory. */
import type { CommandModule } from 'yargs';
import { mergeResultsFiles, readResultsFile, writeResultsDir } from '../../reports/index.ts';
import { checkOutDir } from '../out-dir.ts';

interface MergeArgs {
  shards: string[];
  out: string;
  png: boolean;
  force: boolean;
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <shards..>',
  describe: 'Join the results of `sweep --shard i/n` runs into the results directory the unsharded sweep would have written',
  builder: (yargs) =>
    yargs
      .positional('shards', { type: 'string', array: true, demandOption: true, describe: 'shard results directories (or results.json files), any order' })
      .option('out', { type: 'string', demandOption: true, describe: 'results directory to write' })
      .option('png', { type: 'boolean', default: true, describe: 'render PNG charts (--no-png to skip)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace the results already in --out' })
      .example('$0 merge shard-1 shard-2 shard-3 --out results/sweep', 'after three CI jobs ran sweep --shard i/3') as never,
  handler: async (args) => {
    const files = await Promise.all(args.shards.map((dir) => readResultsFile(dir)));
    const merged = mergeResultsFiles(files);
    checkOutDir(args.out, { force: args.force });
    const written = await writeResultsDir(args.out, merged, { png: args.png });
    process.stderr.write(`xstorm merge: ${files.length} shards, ${merged.runs.length} runs → ${args.out} (${written.length} files)\n`);
  },
};
