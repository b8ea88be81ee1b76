/** The regression gate: verdicts, thresholds, the no-verdict rule, real-driver ratios, config, and the CLI's exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_GATE_CONFIG, ReportInputError, compareResults, computeHeadline, runGate, formatGateReport, gateExitCode, parseGateConfig,
  writeResultsDir, writeResultsFile, type GateReport, type ResultsFile, type RunResult,
} from '../../reports/index.ts';
import { makeRun, realFixture, shortTxnRun, sweepFixture } from './fixtures.ts';

const TRIE_80 = 'short-txn/sharedFraction=0.1/trie/g80/r0';

function withRun(file: ResultsFile, key: string, change: (run: RunResult) => RunResult): ResultsFile {
  assert.ok(file.runs.some((run) => run.key === key), key);
  const runs = file.runs.map((run) => (run.key === key ? change(run) : run));
  return { ...file, runs, headline: { ...file.headline, ...computeHeadline(runs) } };
}

const row = (report: GateReport, metric: string, subject: string) => report.rows.find((r) => r.metric === metric && r.subject === subject)!;

test('an unchanged tree passes, every row "unchanged"', () => {
  const report = compareResults(sweepFixture(), sweepFixture());
  assert.equal(report.verdict, 'pass');
  assert.deepEqual(report.counts, { pass: report.rows.length, warn: 0, fail: 0, 'no verdict': 0 });
  assert.ok(report.rows.every((r) => r.note === 'unchanged'));
  assert.equal(gateExitCode(report), 0);
});

test('trie aborting more (an injected cost-profile regression) fails', () => {
  const current = withRun(sweepFixture(), TRIE_80, (run) => ({ ...run, goodput: 3000, abortRate: 0.08, retries: { ...run.retries, mean: 0.087 } }));
  const report = compareResults(sweepFixture(), current);
  assert.equal(report.verdict, 'fail');
  assert.equal(gateExitCode(report), 1);
  const abort = row(report, 'abortRate', TRIE_80);
  assert.equal(abort.verdict, 'fail');
  assert.equal(abort.baseline, 0.009998);
  assert.equal(abort.current, 0.08);
  assert.equal(row(report, 'goodput', TRIE_80).verdict, 'fail');
  assert.equal(row(report, 'goodput', TRIE_80).change, -0.0625);
  assert.equal(row(report, 'p99Latency', TRIE_80).verdict, 'pass');
  assert.equal(report.counts.fail, 3, 'goodput, abort rate and retries of that one run');
  const text = formatGateReport(report);
  assert.match(text, /^abort rate \(fraction of commits refused; lower is better; warn if worse by > 0, fail if > 0\.01\)$/m);
  assert.match(text, /^ {2}short-txn\/sharedFraction=0\.1\/trie\/g80\/r0 +0\.01 +0\.08 +\+0\.07 +fail +regression$/m);
  assert.match(text, /^ {2}short-txn\/sharedFraction=0\.1\/trie\/g80\/r0 +3200 +3000 +-6\.25% +fail +regression$/m);
  assert.match(text, /^gate: FAIL — 3 fail, 0 warn, \d+ pass, 0 no verdict$/m);
});

test('a small worsening inside the fail threshold warns (exit 0); an improvement passes', () => {
  const current = withRun(sweepFixture(), TRIE_80, (run) => ({ ...run, goodput: run.goodput * 0.99 }));
  const report = compareResults(sweepFixture(), current);
  assert.equal(row(report, 'goodput', TRIE_80).verdict, 'warn');
  assert.equal(report.verdict, 'warn');
  assert.equal(gateExitCode(report), 0);
  const better = compareResults(sweepFixture(), withRun(sweepFixture(), TRIE_80, (run) => ({ ...run, goodput: run.goodput * 1.5 })));
  assert.equal(row(better, 'goodput', TRIE_80).verdict, 'pass');
  assert.equal(row(better, 'goodput', TRIE_80).note, 'improved');
  assert.equal(better.verdict, 'pass');
  const loose = parseGateConfig({ sim: { metrics: { goodput: { warn: 0.05, fail: 0.1 } } } });
  assert.equal(row(compareResults(sweepFixture(), current, loose), 'goodput', TRIE_80).verdict, 'pass');
});

test('a lost headline figure fails: fewer guests started, smaller max sustained', () => {
  const tdb = 'short-txn/sharedFraction=0.1/tdb/g40/r0';
  const current = withRun(sweepFixture(), tdb, (run) => ({ ...run, sustained: false }));
  const report = compareResults(sweepFixture(), current);
  assert.equal(row(report, 'maxSustainedGuests', 'tdb').verdict, 'fail');
  assert.equal(row(report, 'maxSustainedGuests', 'tdb').current, 20);
  assert.equal(row(report, 'headlineRatio', 'trie/tdb').verdict, 'pass', 'the ratio grew: 160/20 > 160/40');
  const paper = 'paper-7.3/sleepS=1/trie/g160/r0';
  const fewer = withRun(sweepFixture(), paper, (run) => ({ ...run, guestStarts: run.guestStarts!.slice(0, 150) }));
  const lost = compareResults(sweepFixture(), fewer);
  assert.equal(row(lost, 'guestsStarted', paper).verdict, 'fail');
  // Completion time is the metric registry's: a run that stopped finishing has regressed, it is not "faster".
  assert.deepEqual(row(lost, 'completionTime', paper), {
    metric: 'completionTime', subject: paper, baseline: 317.824, current: null, change: null, verdict: 'fail',
    note: 'regression: did not finish within its cap', threshold: DEFAULT_GATE_CONFIG.sim.metrics.completionTime,
  });
  // tdb never finished in the baseline: no completion-time row for it, its guests started are judged instead.
  assert.equal(lost.rows.find((r) => r.metric === 'completionTime' && r.subject === 'paper-7.3/sleepS=1/tdb/g160/r0'), undefined);
});

test('too few samples gives "no verdict", never a pass, and a gate with no verdict at all exits 1', () => {
  const tiny = (goodput: number): ResultsFile => ({
    ...sweepFixture(),
    runs: [makeRun({ scenario: 'short-txn', engine: 'trie', guests: 1, durationS: 1, goodput, abortRate: 0, p50Ms: 1, p99Ms: 2, sustained: true })],
    headline: undefined,
  });
  const report = compareResults(tiny(5), tiny(1));
  assert.deepEqual(report.rows.map((r) => r.verdict), ['no verdict', 'no verdict', 'no verdict', 'no verdict']);
  assert.equal(report.rows[0]!.note, 'too few samples (1 attempted commits < 20)');
  assert.equal(report.verdict, 'no verdict');
  assert.equal(gateExitCode(report), 1);
  assert.equal(gateExitCode(report, { allowNoVerdict: true }), 0);
  assert.match(formatGateReport(report), /gate: NO VERDICT \(nothing could be compared; not a pass\)/);
});

test('runs that differ in seed, or are missing or new, get no verdict', () => {
  const base = sweepFixture();
  const key = base.runs[0]!.key;
  const current = { ...base, runs: [{ ...base.runs[0]!, seed: 7 }, ...base.runs.slice(2)] };
  const report = compareResults(base, current);
  assert.equal(row(report, 'goodput', key).note, 'seed 42 → 7');
  assert.equal(row(report, 'goodput', base.runs[1]!.key).note, 'missing from the current results');
  const grown = compareResults(base, { ...base, runs: [...base.runs, { ...base.runs[0]!, key: 'new/key' }] });
  assert.equal(row(grown, 'goodput', 'new/key').note, 'new run, not in the baseline');
  assert.equal(grown.verdict, 'pass');
});

test('real-driver figures are compared only as same-run ratios, with enough repetitions', () => {
  const baseline = realFixture();
  // Another machine twice as slow: every absolute figure halves, the ratios do not move.
  const slower: ResultsFile = { ...realFixture(), runs: realFixture().runs.map((run) => ({ ...run, goodput: run.goodput / 2, latency: { ...run.latency, p99: run.latency.p99 * 2 } })) };
  const same = compareResults(baseline, slower);
  assert.deepEqual([...new Set(same.rows.map((r) => r.metric))], ['goodputRatio', 'p99LatencyRatio', 'headlineRatio']);
  assert.ok(same.rows.filter((r) => r.metric !== 'headlineRatio').every((r) => r.verdict === 'pass'), formatGateReport(same));
  assert.equal(row(same, 'goodputRatio', 'short-txn sharedFraction=0.1 g40 trie/tdb').baseline, 1600 / 900);

  const trieSlower: ResultsFile = { ...realFixture(), runs: realFixture().runs.map((run) => (run.engine === 'trie' && run.guests === 40 ? { ...run, goodput: run.goodput * 0.7 } : run)) };
  const worse = compareResults(baseline, trieSlower);
  assert.equal(row(worse, 'goodputRatio', 'short-txn sharedFraction=0.1 g40 trie/tdb').verdict, 'fail');
  assert.equal(gateExitCode(worse), 1);

  const twoReps = compareResults(realFixture(2), realFixture(2));
  assert.ok(twoReps.rows.filter((r) => r.metric === 'goodputRatio').every((r) => r.verdict === 'no verdict'));
  assert.match(row(twoReps, 'goodputRatio', 'short-txn sharedFraction=0.1 g10 trie/tdb').note, /^too few samples \(2 of 2 reps usable < 3, each needs ≥ 200 attempted commits on both engines\)$/);
});

test('thresholds files are validated strictly, all problems at once, and merged over the defaults', () => {
  assert.throws(() => parseGateConfig({ sim: { metrics: { goodput: { warn: 0.2, fail: 0.1 }, nope: { warn: 0, fail: 0 } }, minSamples: -1 }, extra: 1 }, 't.json'), (error: unknown) => {
    assert.ok(error instanceof ReportInputError);
    assert.match(error.message, /^t\.json: invalid gate thresholds: /);
    assert.match(error.message, /sim\.metrics\.goodput: warn must not exceed fail/);
    assert.match(error.message, /sim\.metrics: Unrecognized key: "nope"/);
    assert.match(error.message, /sim\.minSamples: Too small/);
    assert.match(error.message, /\(top level\): Unrecognized key: "extra"/);
    return true;
  });
  const config = parseGateConfig({ real: { minReps: 5 }, sim: { metrics: { abortRate: { warn: 0.001, fail: 0.002 } } } });
  assert.equal(config.real.minReps, 5);
  assert.equal(config.real.reference, 'tdb');
  assert.deepEqual(config.sim.metrics.abortRate, { warn: 0.001, fail: 0.002 });
  assert.deepEqual(config.sim.metrics.goodput, DEFAULT_GATE_CONFIG.sim.metrics.goodput);
});

const CLI = fileURLToPath(new URL('../../bin/xstorm.js', import.meta.url));

/** The gate job in this process (spawning the CLI costs seconds). */
async function gateInProcess(args: { results: string; baseline: string; config?: string; updateBaseline?: boolean }): Promise<{ status: number; stdout: string }> {
  const outcome = await runGate(args);
  return { status: outcome.exitCode, stdout: outcome.output };
}

test('xstorm gate: exit 0 unchanged, 1 on a regression, 2 on a usage error; --update-baseline rewrites the baseline', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xstorm-gate-'));
  try {
    const baseline = path.join(dir, 'baseline');
    const current = path.join(dir, 'current');
    await writeResultsFile(baseline, sweepFixture());
    await writeResultsFile(current, sweepFixture());
    const pass = await gateInProcess({ results: current, baseline });
    assert.equal(pass.status, 0);
    assert.match(pass.stdout, /^goodput \(commits\/s; higher is better; warn if worse by > 0%, fail if > 2%\)$/m);
    assert.match(pass.stdout, /^ {2}subject +baseline +current +change +verdict +note$/m);
    assert.match(pass.stdout, /gate: PASS — 0 fail, 0 warn, \d+ pass, 0 no verdict\n$/);

    const regressed = withRun(sweepFixture(), TRIE_80, (run) => ({ ...run, abortRate: 0.2 }));
    await writeResultsDir(current, regressed, { png: false, html: false });
    const fail = await gateInProcess({ results: current, baseline });
    assert.equal(fail.status, 1);
    assert.match(fail.stdout, /gate: FAIL/);

    await writeFile(path.join(dir, 'thresholds.json'), JSON.stringify({ sim: { metrics: { abortRate: { warn: 0.5, fail: 0.9 }, retriesMean: { warn: 1, fail: 1 } } } }));
    assert.equal((await gateInProcess({ results: current, baseline, config: path.join(dir, 'thresholds.json') })).status, 0);
    await assert.rejects(gateInProcess({ results: current, baseline: path.join(dir, 'nothing') }), { name: 'ResultsFileError', message: `${path.join(dir, 'nothing', 'results.json')}: no such results file` });

    const other = path.join(dir, 'other');
    await writeResultsFile(other, { ...sweepFixture(), runs: sweepFixture().runs.map((run) => ({ ...run, key: `x/${run.key}` })) });
    await assert.rejects(gateInProcess({ results: other, baseline }), { name: 'ReportInputError', message: `gate: no run of ${other} matches the baseline ${baseline} by key (wrong baseline?)` });

    // The real CLI maps a usage error to exit 2 with one line.
    await writeFile(path.join(dir, 'bad.json'), '{"sim": {"tolerence": 1}}');
    const bad = spawnSync(process.execPath, [CLI, 'gate', current, '--baseline', baseline, '--config', path.join(dir, 'bad.json')], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^xstorm: .*bad\.json: invalid gate thresholds: sim: Unrecognized key: "tolerence"$/m);

    const update = await gateInProcess({ results: current, baseline, updateBaseline: true });
    assert.equal(update.status, 0);
    assert.deepEqual((await readdir(baseline)).sort(), ['results.json', 'summary.md']);
    assert.equal(await readFile(path.join(baseline, 'results.json'), 'utf8'), await readFile(path.join(current, 'results.json'), 'utf8'));
    assert.equal((await gateInProcess({ results: current, baseline })).status, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('shortTxnRun fixture sanity: tdb livelocks past its knee, trie never does', () => {
  assert.equal(shortTxnRun('tdb', 80).livelocked, true);
  assert.equal(shortTxnRun('trie', 160).livelocked, false);
});
