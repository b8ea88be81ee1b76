/**
 * `xstorm bench` (`npm run bench`): reproduces the ICFP'09 result on the
 * simulated driver with embedded defaults (runner/sim/bench.ts), prints the
 * headline beside the paper's numbers, and writes `results/<id>/`.
 * `--ci` (`npm run bench:ci`): a reduced, fully deterministic version
 * (xen-2009 only, no calibration).
 */
import type { CommandModule } from 'yargs';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { UserError } from '../user-error.ts';
import { loadProfile, profileCacheDir, writeProfileFile, CostProfileError } from '../../runner/cost/index.ts';
import type { CostProfile } from '../../runner/cost/index.ts';
import { availableEngines, calibrate, defaultCalibratedName } from '../../runner/cost/calibrate.ts';
import { benchHeadline, benchItems, runBench, startFigures, PAPER } from '../../runner/sim/bench.ts';
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

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => pad(c, widths[i]!)).join('  ')).join('\n');
}

/** The printed headline: §7.3 per engine and profile, §7.1 commit rates, the paper beside them. */
export function headlineText(runs: readonly RunResult[], mainProfile: string): string {
  const lines: string[] = [];
  const p73 = runs.filter((r) => r.scenario === 'paper-7.3');
  const rows: string[][] = [['§7.3 engine', 'profile', 'started within cap', 'last start', 'livelocked at', 'max sustained', 'abort rate', 'paper']];
  for (const r of p73) {
    const f = startFigures(r);
    const paper = r.engine === 'tdb' ? PAPER['7.3'].tdb.note : r.engine === 'trie' ? PAPER['7.3'].trie.note : '(not in the paper)';
    rows.push([
      r.engine, f.profile, `${f.started} / ${f.guests}`,
      f.lastStartS === null ? '-' : `${(f.lastStartS / 60).toFixed(1)} min`,
      f.livelockedAt === null ? '-' : `guest ${f.livelockedAt}`,
      String(f.maxSustainedGuests), `${(f.abortRate * 100).toFixed(1)}%`, paper,
    ]);
  }
  lines.push(table(rows));
  const byProfile = new Map<string, Map<string, number>>();
  for (const r of p73) {
    const m = byProfile.get(r.profile ?? '') ?? new Map<string, number>();
    m.set(r.engine, startFigures(r).maxSustainedGuests);
    byProfile.set(r.profile ?? '', m);
  }
  for (const [profile, m] of byProfile) {
    const tdb = m.get('tdb');
    const trie = m.get('trie');
    const ratio = tdb && trie !== undefined ? (trie / tdb).toFixed(2) : 'n/a';
    lines.push(`ratio trie/tdb (${profile}): ${ratio}   [paper: 160 / <70, "a factor of 3"]`);
  }
  const p71 = runs.filter((r) => r.scenario === 'paper-7.1');
  if (p71.length) {
    lines.push('');
    const rows71: string[][] = [['§7.1 engine', 'profile', 'commits/s', 'abort rate', 'paper commits/s']];
    for (const r of p71) {
      rows71.push([r.engine, r.profile ?? '-', r.goodput.toFixed(1), `${(r.abortRate * 100).toFixed(1)}%`, r.engine === 'tdb' ? String(PAPER['7.1'].tdb) : r.engine === 'trie' ? String(PAPER['7.1'].trie) : '-']);
    }
    lines.push(table(rows71));
  }
  const verdicts: string[] = [];
  const main = new Map(p73.filter((r) => r.profile === mainProfile).map((r) => [r.engine, startFigures(r)]));
  const tdb = main.get('tdb');
  const trie = main.get('trie');
  const paperSized = (r: RunResult | undefined) => r !== undefined && r.guests === 160 && (r.params['timeScale'] ?? 1) === 1;
  const mainRuns = p73.filter((r) => r.profile === mainProfile);
  if (tdb && trie && !mainRuns.every(paperSized)) {
    verdicts.push(`§7.3 reduced run (${mainRuns[0]?.guests} guests, timeScale ${mainRuns[0]?.params['timeScale']}): no comparison with the paper's figures.`);
  } else if (tdb && trie) {
    const tdbOk = tdb.started < 70 && tdb.started >= 20;
    const trieOk = trie.started === trie.guests && (trie.lastStartS ?? Infinity) < 360;
    verdicts.push(`§7.3 with ${mainProfile}: tdb ${tdbOk ? 'REPRODUCES' : 'does NOT reproduce'} the paper (started ${tdb.started}; paper: livelock near 40, never the 70th); `
      + `trie ${trieOk ? 'REPRODUCES' : 'does NOT reproduce'} it (started ${trie.started} in ${((trie.lastStartS ?? 0) / 60).toFixed(1)} min; paper: all 160 in < 6 min).`);
  }
  const t71 = p71.find((r) => r.engine === 'tdb' && r.profile === mainProfile);
  const o71 = p71.find((r) => r.engine === 'trie' && r.profile === mainProfile);
  if (t71 && o71 && t71.guests !== 128) {
    verdicts.push(`§7.1 reduced run (${t71.guests} clients): tdb ${t71.goodput.toFixed(0)}, trie ${o71.goodput.toFixed(0)} commits/s; no comparison with the paper's figures.`);
  } else if (t71 && o71) {
    const off = (x: number, y: number) => Math.abs(x - y) / y <= 0.2;
    verdicts.push(`§7.1 with ${mainProfile}: trie ${o71.goodput.toFixed(0)} commits/s (paper 700, the fitted target) ${off(o71.goodput, 700) ? 'matches' : 'does NOT match'}; `
      + `tdb ${t71.goodput.toFixed(0)} commits/s (paper 300) ${off(t71.goodput, 300) ? 'matches' : `does NOT match: with one shared per-request cost (§7.2), 128 clients served round-robin under a global generation abort ${(t71.abortRate * 100).toFixed(1)}% of their transactions; see runner/cost/README.md`}.`);
  }
  if (verdicts.length) lines.push('', ...verdicts);
  return lines.join('\n');
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
    const headline = benchHeadline(runs, main.name);
    const id = newResultsId('bench', args.ci ? 'ci' : 'paper');
    const file = buildResultsFile({
      kind: 'bench',
      id,
      config: {
        ci: args.ci,
        items: items.map((i) => ({ label: i.label, ...i.plan })),
        profiles: Object.fromEntries([main, ...(calibrated ? [calibrated] : [])].map((p) => [p.name, p])),
      },
      runs,
      headline,
    });
    const text = headlineText(runs, main.name);
    if (args.json) process.stdout.write(`${JSON.stringify(headline)}\n`);
    else process.stdout.write(`${text}\n`);
    const dir = resultsDirFor(id, args.out);
    fs.mkdirSync(dir, { recursive: true });
    await writeResultsDir(dir, file);
    log(`results: ${dir} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  },
};
