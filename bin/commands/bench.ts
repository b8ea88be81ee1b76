/** `xstorm bench` (not yet implemented). */
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';

export const benchCommand: CommandModule = {
  command: 'bench',
  describe: '(not yet implemented)',
  handler: () => {
    throw new UsageError('xstorm bench is not implemented yet');
  },
};
