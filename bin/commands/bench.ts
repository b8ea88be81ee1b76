/**
 * `xstorm bench` (`npm run bench`): reproduces the ICFP'09 result on the
 * simulated driver with embedded defaults (runner/sim/bench.ts), prints the
 * headline beside the paper's numbers, and writes `results/<id>/`.
 * `--ci` (`npm run bench:ci`): a reduced, fully deterministic version
 * (xen-2009 and its band only, no calibration). The headline text is
 * bin/bench-headline.ts.
 */
import type { CommandModule } from 'yargs';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { UserError } from '../user-error.ts';
import { loadProfile, profileCacheDir, writeProfileFile, CostProfileError } from '../../runner/cost/index.ts';
import type { CostProfile } from '../../runner/cost/index.ts';
import { availableEngines, calibrate, defaultCalibratedName } from '../../runner/cost/calibrate.ts';
import { benchHeadline, benchItems, runBench } from '../../runner/sim/bench.ts';
import { headlineText } from '../bench-headline.ts';
import { buildResultsFile, newResultsId, resultsDirFor } from '../results-io.ts';
import { writeResultsDir } from '../../reports/index.ts';
import type { RunResult } from '../../reports/schema.ts';
import { checkOutDir } from '../out-dir.ts';
import { startProgress } from '../progress.ts';
import { checkProfileMachine, describeProfile, profilePath } from '../profile-provenance.ts';
import { exitOnSignals } from '../stop-signals.ts';

interface BenchArgs {
  ci: boolean;
  profile: string;
  calibrated?: string;
  out?: string;
  force: boolean;
  json: boolean;
}

/** Whether a calibrated profile prices the pipeline's threads (client wake-ups, daemon iterations). */
function isThreadModelProfile(profile: CostProfile): boolean {
  return profile.client?.wakeUs !== undefined && profile.daemon.iterations === true && profile.wake !== undefined;
}

/** This machine's calibrated profile: cached, or measured now (quick) and cached. */
async function calibratedProfile(name: string | undefined, log: (s: string) => void): Promise<CostProfile> {
  const wanted = name ?? defaultCalibratedName();
  try {
    const cached = loadProfile(wanted);
    const file = profilePath(wanted);
    checkProfileMachine(cached, file, name !== undefined ? '--calibrated' : 'cached calibrated profile');
    if (name !== undefined || isThreadModelProfile(cached)) log(`this machine's rows: ${describeProfile(cached, file)}`);
    // A cached profile from before the thread model (client wake-ups, daemon
    // iterations) would price the real-time pipeline the old way: re-measure.
    if (name !== undefined || isThreadModelProfile(cached)) return cached;
    log(`cached profile ${wanted} predates the thread model of xstorm calibrate: measuring this machine again (quick calibration)...`);
  } catch (error) {
    if (name !== undefined || !(error instanceof CostProfileError)) throw error;
    log(`no calibrated profile ${wanted} yet: measuring this machine (quick calibration)...`);
  }
  const progress = startProgress({ label: 'bench: calibrating' });
  let profile: CostProfile;
  try {
    profile = await calibrate({ name: wanted, quick: true, onProgress: (f, note) => progress.update(f, note) });
  } finally {
    progress.stop();
  }
  const file = nodePath.join(profileCacheDir(), `${wanted}.json`);
  writeProfileFile(file, profile);
  log(`this machine's rows: ${describeProfile(profile, file)} (measured now, saved)`);
  return profile;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'Reproduce the ICFP\'09 result (simulated driver, embedded defaults): headline beside the paper\'s numbers, charts in results/<id>/',
  builder: (yargs) =>
    yargs
      .option('ci', { type: 'boolean', default: false, describe: 'reduced deterministic bench for CI (xen-2009 only, ≤ 60 s)' })
      .option('profile', { type: 'string', default: 'xen-2009', describe: 'main cost profile (name or .json file)' })
      .option('calibrated', { type: 'string', describe: 'calibrated profile to use for this machine (default: cached calibrated-<host>, measured if missing)' })
      .option('out', { type: 'string', describe: 'results directory (default results/<id>)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace the results already in --out' })
      .option('json', { type: 'boolean', default: false, describe: 'print the headline as JSON on stdout' }),
  handler: async (args) => {
    const t0 = performance.now();
    const log = (s: string) => process.stderr.write(`${s}\n`);
    // Before any work: an --out that cannot take the results (or holds other results) is refused now.
    checkOutDir(args.out ?? 'results', { force: args.force });
    exitOnSignals('bench');
    let main: CostProfile;
    try {
      main = loadProfile(args.profile);
    } catch (error) {
      if (error instanceof CostProfileError) throw new UserError(`--profile: ${error.issues.join('; ')}`);
      throw error;
    }
    const modern = availableEngines().filter((k) => k === 'tdb-pernode' || k === 'trie-replay');
    let calibrated: CostProfile | undefined;
    if (!args.ci) {
      try {
        calibrated = await calibratedProfile(args.calibrated, log);
      } catch (error) {
        if (error instanceof CostProfileError) throw new UserError(`--calibrated: ${error.issues.join('; ')}`);
        throw error;
      }
    }
    const items = benchItems(args.ci, main, calibrated, modern);
    const progress = startProgress({ label: 'bench' });
    progress.update(0, items[0]?.label ?? '');
    let measured: RunResult[];
    try {
      measured = await runBench(items, (f, note) => progress.update(f, note));
      progress.stop(true);
    } finally {
      progress.stop();
    }
    // Run keys name the profile (runner/result.ts runKey): the same cell under two profiles stays two keys.
    const runs = measured;
    const headline = benchHeadline(runs, main);
    const id = newResultsId('bench', args.ci ? 'ci' : 'paper');
    const file = buildResultsFile({
      kind: 'bench',
      id,
      config: {
        ci: args.ci,
        items: items.map((i) => ({ label: i.label, role: i.role.kind, ...(i.role.kind === 'band' ? { bandEnd: i.role.end.id } : {}), ...i.plan })),
        profiles: Object.fromEntries([main, ...(calibrated ? [calibrated] : [])].map((p) => [p.name, p])),
      },
      runs,
      headline,
    });
    const text = headlineText(runs, main);
    if (args.json) process.stdout.write(`${JSON.stringify(headline)}\n`);
    else process.stdout.write(`${text}\n`);
    const dir = resultsDirFor(id, args.out);
    fs.mkdirSync(dir, { recursive: true });
    await writeResultsDir(dir, file);
    log(`results: ${dir} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  },
};
