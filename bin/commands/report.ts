/** `xstorm report` (not yet implemented). */
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';

export const reportCommand: CommandModule = {
  command: 'report',
  describe: '(not yet implemented)',
  handler: () => {
    throw new UsageError('xstorm report is not implemented yet');
  },
};
