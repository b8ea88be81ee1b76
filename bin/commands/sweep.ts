/** `xstorm sweep` (not yet implemented). */
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';

export const sweepCommand: CommandModule = {
  command: 'sweep',
  describe: '(not yet implemented)',
  handler: () => {
    throw new UsageError('xstorm sweep is not implemented yet');
  },
};
