/**
 * `xstorm calibrate`: measures this machine's costs for each engine
 * (runner/cost/calibrate.ts) and writes a validated cost profile: by
 * default into the profile cache (`--profile <name>` of run/sweep/bench then
 * finds it), or to `--out <file>`. Progress on stderr.
 *
 * `--target socket:<path>[=label]` prices a real xenstored from the outside
 * instead (runner/cost/calibrate-socket.ts), for the engine that models it
 * (probed, or `--engine tdb-pernode|trie-replay`).
 */
import type { CommandModule } from 'yargs';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { UserError } from '../user-error.ts';
import { ENGINE_KINDS } from '../../engines/index.ts';
import type { EngineKind } from '../../engines/index.ts';
import { availableEngines, calibrate, defaultCalibratedName } from '../../runner/cost/calibrate.ts';
import { profileCacheDir, writeProfileFile } from '../../runner/cost/index.ts';
import type { CostProfile } from '../../runner/cost/index.ts';
import { calibrateSocket, isRealDaemonModel } from '../../runner/cost/calibrate-socket.ts';
import { parseTarget } from '../cli-args.ts';
import { checkOutFile } from '../out-dir.ts';
import { startProgress } from '../progress.ts';
import { exitOnSignals } from '../stop-signals.ts';

interface CalibrateArgs {
  name?: string;
  out?: string;
  engine: string[];
  quick: boolean;
  repetitions?: number;
  target?: string;
}

/** The socket of `--target socket:<path>[=label]`, checked before any work; the label only if given. */
function socketTarget(text: string): { path: string; label?: string } {
  let target;
  try {
    target = parseTarget(text);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  if (target.kind !== 'socket') throw new UserError(`--target ${text}: calibrate measures a real daemon through its socket: expected socket:<path>[=label] (engines are measured without --target)`);
  let isSocket = false;
  try {
    isSocket = fs.statSync(target.path).isSocket();
  } catch {
    throw new UserError(`--target ${text}: ${target.path} does not exist (is the daemon running?)`);
  }
  if (!isSocket) throw new UserError(`--target ${text}: ${target.path} is not a Unix socket`);
  return { path: target.path, ...(text.slice('socket:'.length).includes('=') ? { label: target.label } : {}) };
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
      .option('repetitions', { type: 'number', describe: 'timed repetitions per request kind' })
      .option('target', { type: 'string', describe: 'socket:<path>[=label]: price a real xenstored from the outside for the engine that models it (--engine tdb-pernode|trie-replay, default: probed)' })
      .example('$0 calibrate --target socket:/tmp/xsA/socket=cxenstored', 'a profile for the simulated driver with tdb-pernode, priced like this cxenstored') as never,
  handler: async (args) => {
    if (args.target !== undefined) return calibrateTarget(args);
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

/** `calibrate --target socket:...`: every input checked first, then the measurement, then the profile written. */
async function calibrateTarget(args: CalibrateArgs): Promise<void> {
  const socket = socketTarget(args.target!);
  if (args.name !== undefined && !/^[a-z0-9][a-z0-9._-]*$/.test(args.name)) throw new UserError(`--name must be lower-case letters, digits, ".", "_" or "-", got ${JSON.stringify(args.name)}`);
  const engineArg = args.engine[0];
  if (args.engine.length > 1 || (engineArg !== undefined && !isRealDaemonModel(engineArg))) {
    throw new UserError(`with --target, --engine names the one engine that models the daemon: tdb-pernode (cxenstored) or trie-replay (oxenstored), got ${args.engine.join(', ')}`);
  }
  if (args.repetitions !== undefined && !(Number.isInteger(args.repetitions) && args.repetitions >= 5)) {
    throw new UserError(`--repetitions must be an integer ≥ 5, got ${args.repetitions}`);
  }
  const out = args.out !== undefined ? checkOutFile(args.out) : undefined;
  exitOnSignals('calibrate');
  const progress = startProgress({ label: 'calibrate' });
  progress.update(0, 'probe');
  let profile: CostProfile;
  let engine: string;
  try {
    const result = await calibrateSocket({
      socketPath: socket.path,
      ...(socket.label ? { label: socket.label } : {}),
      ...(engineArg !== undefined && isRealDaemonModel(engineArg) ? { engine: engineArg } : {}),
      ...(args.name ? { name: args.name } : {}),
      quick: args.quick,
      ...(args.repetitions !== undefined ? { repetitions: args.repetitions } : {}),
      onProgress: (f, note) => progress.update(f, note),
    });
    progress.stop(true);
    profile = result.profile;
    engine = result.engine;
    process.stderr.write(`${result.label}: ${result.probe}\n`);
  } catch (error) {
    if (/cannot connect/.test((error as Error).message)) throw new UserError(`--target ${args.target}: ${(error as Error).message.split('\n')[0]}`);
    throw error;
  } finally {
    progress.stop();
  }
  const file = out ?? checkOutFile(nodePath.join(profileCacheDir(), `${profile.name}.json`));
  writeProfileFile(file, profile);
  const costs = profile.engines[engine]!;
  const priced = Object.entries(costs.counters).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`).join(' ');
  process.stderr.write(`${engine}: requestBaseUs=${costs.requestBaseUs} ${priced}\n`);
  process.stderr.write(`${profile.sources.find((s) => s.id === 'pipeline')?.fact ?? ''}\n`);
  process.stdout.write(`${file}\n`);
}
