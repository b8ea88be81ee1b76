/** `xstorm calibrate` (not yet implemented). */
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';

export const calibrateCommand: CommandModule = {
  command: 'calibrate',
  describe: '(not yet implemented)',
  handler: () => {
    throw new UsageError('xstorm calibrate is not implemented yet');
  },
};
