/**
 * The xstorm command line (yargs). Each command lives in its own module
 * under bin/commands/; this file only assembles them and maps failures to
 * exit codes: 2 with a one-line message for a user's mistake (a
 * {@link UserError}, or a lower layer's input error, see
 * {@link asUserError}), 1 with the stack for internal failures.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { asUserError, oneLine } from './user-error.ts';
import { commands } from './commands/index.ts';

const userMistake = (text: string): never => {
  process.stderr.write(`xstorm: ${oneLine(text)}\n(see xstorm --help)\n`);
  process.exit(2);
};

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
    if (error) {
      const mistake = asUserError(error);
      if (!mistake) throw error;
      return userMistake(mistake.message);
    }
    // yargs' own messages span lines ("Invalid values:\n  Argument: driver, Given: ..."): fold them, never cut them.
    return userMistake(message ?? 'invalid usage');
  });

for (const command of commands) cli.command(command);

try {
  await cli.parseAsync();
} catch (error) {
  const mistake = asUserError(error);
  if (mistake) {
    process.stderr.write(`xstorm: ${oneLine(mistake.message)}\n`);
    process.exit(2);
  }
  process.stderr.write(`xstorm: internal error\n${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}
