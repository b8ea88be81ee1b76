/** `xstorm merge` (not yet implemented). */
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';

export const mergeCommand: CommandModule = {
  command: 'merge',
  describe: '(not yet implemented)',
  handler: () => {
    throw new UsageError('xstorm merge is not implemented yet');
  },
};
