/**
 * `xstorm calibrate`: measures this machine's costs for each engine
 * (runner/cost/calibrate.ts) and writes a validated cost profile: by
 * default into the profile cache (`--profile <name>` of run/sweep/bench then
 * finds it), or to `--out <file>`. Progress on stderr.
 */
import type { CommandModule } from 'yargs';
import * as nodePath from 'node:path';
import { UserError } from '../user-error.ts';
import { ENGINE_KINDS } from '../../engines/index.ts';
import type { EngineKind } from '../../engines/index.ts';
import { availableEngines, calibrate, defaultCalibratedName } from '../../runner/cost/calibrate.ts';
import { profileCacheDir, writeProfileFile } from '../../runner/cost/index.ts';
import { checkOutFile } from '../out-dir.ts';
import { startProgress } from '../progress.ts';
import { exitOnSignals } from '../stop-signals.ts';

interface CalibrateArgs {
  name?: string;
  out?: string;
  engine: string[];
  quick: boolean;
  repetitions?: number;
}

export const calibrateCommand: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate',
  describe: 'Measure this machine\'s per-request and per-counter costs for each engine, and the real-time pipeline\'s threads (short real-time runs), and write a cost profile for the simulated driver',
  builder: (yargs) =>
    yargs
      .option('name', { type: 'string', describe: 'profile name (default calibrated-<hostname>)' })
      .option('out', { type: 'string', describe: 'write the profile to this file (default: the profile cache)' })
      .option('engine', { type: 'string', array: true, default: [], choices: ENGINE_KINDS, describe: 'engines to measure (default: every available engine)' })
      .option('quick', { type: 'boolean', default: false, describe: 'fewer repetitions, store sizes and pipeline runs (trie and tdb only): about 20 s instead of about 2 minutes' })
      .option('repetitions', { type: 'number', describe: 'timed repetitions per request kind' }),
  handler: async (args) => {
    const name = args.name ?? defaultCalibratedName();
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new UserError(`--name must be lower-case letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`);
    if (args.repetitions !== undefined && !(Number.isInteger(args.repetitions) && args.repetitions >= 5)) {
      throw new UserError(`--repetitions must be an integer ≥ 5, got ${args.repetitions}`);
    }
    const available = availableEngines();
    const engines = (args.engine.length ? args.engine : available) as EngineKind[];
    const missing = engines.filter((e) => !available.includes(e));
    if (missing.length) throw new UserError(`engine ${missing.join(', ')} is not available in this build`);
    const file = checkOutFile(args.out ?? nodePath.join(profileCacheDir(), `${name}.json`));
    exitOnSignals('calibrate');
    const progress = startProgress({ label: 'calibrate' });
    progress.update(0, 'transport');
    let profile;
    try {
      profile = await calibrate({
        name,
        engines,
        quick: args.quick,
        ...(args.repetitions !== undefined ? { repetitions: args.repetitions } : {}),
        onProgress: (f, note) => progress.update(f, note),
      });
      progress.stop(true);
    } finally {
      progress.stop();
    }
    writeProfileFile(file, profile);
    process.stderr.write(`transport ${profile.transport.latencyUs} us one way\n`);
    for (const [engine, costs] of Object.entries(profile.engines)) {
      const priced = Object.entries(costs.counters).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`).join(' ');
      process.stderr.write(`${engine}: requestBaseUs=${costs.requestBaseUs} ${priced}\n`);
    }
    process.stdout.write(`${file}\n`);
  },
};
