/** `xstorm serve` (not yet implemented). */
import type { CommandModule } from 'yargs';
import { UsageError } from '../usage-error.ts';

export const serveCommand: CommandModule = {
  command: 'serve',
  describe: '(not yet implemented)',
  handler: () => {
    throw new UsageError('xstorm serve is not implemented yet');
  },
};
