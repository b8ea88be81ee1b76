/** `xstorm gate` (not yet implemented). */
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';

export const gateCommand: CommandModule = {
  command: 'gate',
  describe: '(not yet implemented)',
  handler: () => {
    throw new UsageError('xstorm gate is not implemented yet');
  },
};
