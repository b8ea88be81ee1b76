/** `xstorm run` (not yet implemented). */
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';

export const runCommand: CommandModule = {
  command: 'run',
  describe: '(not yet implemented)',
  handler: () => {
    throw new UsageError('xstorm run is not implemented yet');
  },
};
