/**
 * The xstorm command line (yargs). Each command lives in its own module
 * under bin/commands/; this file only assembles them and maps failures to
 * exit codes: 2 with a one-line message for usage errors, 1 with the stack
 * for internal failures.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from './usage-error.ts';
import { commands } from './commands/index.ts';

const cli = yargs(hideBin(process.argv))
  .scriptName('xstorm')
  .usage('$0 <command> [options]\n\nBenchmark and load generator for xenstore-style stores.')
  .strict()
  .demandCommand(1, 'Name a command; see xstorm --help.')
  .recommendCommands()
  .help()
  .alias('h', 'help')
  .version()
  .wrap(Math.min(110, process.stdout.columns || 100))
  .fail((message, error) => {
    if (error && !(error instanceof UsageError)) throw error;
    const text = error?.message ?? message ?? 'invalid usage';
    process.stderr.write(`xstorm: ${text.split('\n')[0]}\n(see xstorm --help)\n`);
    process.exit(2);
  });

for (const command of commands) cli.command(command);

try {
  await cli.parseAsync();
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`xstorm: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`xstorm: internal error\n${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}
