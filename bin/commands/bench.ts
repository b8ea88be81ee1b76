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
import { loadProfile, CostProfileError } from '../../runner/cost/index.ts';
import type { CostProfile } from '../../runner/cost/index.ts';
import { availableEngines } from '../../runner/cost/calibrate.ts';
import { machineProfile } from '../machine-profile.ts';
import { benchHeadline, benchItems, runBench } from '../../runner/sim/bench.ts';
import { headlineText } from '../bench-headline.ts';
import { buildResultsFile, newResultsId, resultsDirFor } from '../results-io.ts';
import { writeResultsDir } from '../../reports/index.ts';
import type { RunResult } from '../../reports/schema.ts';
import { checkOutDir } from '../out-dir.ts';
import { startProgress } from '../progress.ts';
import { exitOnSignals } from '../stop-signals.ts';
import { benchToday } from './bench-today.ts';

interface BenchArgs {
  ci: boolean;
  today: boolean;
  profile: string;
  calibrated?: string;
  out?: string;
  force: boolean;
  json: boolean;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'Reproduce the ICFP\'09 result (simulated driver, embedded defaults): headline beside the paper\'s numbers, charts in results/<id>/',
  builder: (yargs) =>
    yargs
      .option('ci', { type: 'boolean', default: false, describe: 'reduced deterministic bench for CI (xen-2009 only, ≤ 60 s)' })
      .option('today', { type: 'boolean', default: false, describe: 'today\'s daemons: boot storms at 50–1,000 domains, models and the real Xen 4.17 daemons side by side (budget: XSTORM_TODAY_BUDGET seconds; XSTORM_TODAY_REAL=0 skips the real daemons)' })
      .option('profile', { type: 'string', default: 'xen-2009', describe: 'main cost profile (name or .json file)' })
      .option('calibrated', { type: 'string', describe: 'calibrated profile to use for this machine (default: cached calibrated-<host>, measured if missing)' })
      .option('out', { type: 'string', describe: 'results directory (default results/<id>)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace the results already in --out' })
      .option('json', { type: 'boolean', default: false, describe: 'print the headline as JSON on stdout' }),
  handler: async (args) => {
    if (args.today) return benchToday(args);
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
    if (!args.ci) calibrated = await machineProfile(args.calibrated, log);
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
