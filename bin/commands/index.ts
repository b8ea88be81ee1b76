/** Every xstorm command, in the order --help lists them. */
import type { CommandModule } from 'yargs';
import { benchCommand } from './bench.ts';
import { runCommand } from './run.ts';
import { sweepCommand } from './sweep.ts';
import { serveCommand } from './serve.ts';
import { calibrateCommand } from './calibrate.ts';
import { reportCommand } from './report.ts';
import { gateCommand } from './gate.ts';
import { mergeCommand } from './merge.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  benchCommand, runCommand, sweepCommand, serveCommand, calibrateCommand, reportCommand, gateCommand, mergeCommand,
];
