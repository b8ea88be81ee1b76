/**
 * `xstorm bench --today` end to end on a tiny grid (4 and 8 domains, the
 * built-in xen-2009 profile standing in for this machine's, no real
 * daemons, a clock that never advances so the budget never stops a
 * series): the measured cells, the findings, the results file and the
 * artefacts; and the CLI's input checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../../runner/cost/index.ts';
import { buildMeta } from '../../bin/results-io.ts';
import { TODAY_DEFAULTS, realxsUnavailable, runTodayBench, writeTodayResults } from '../../runner/today/index.ts';
import type { TodayConfig } from '../../runner/today/index.ts';
import { readResultsFile } from '../../reports/index.ts';
import { todayEnvironment } from '../../bin/commands/bench-today.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const config: TodayConfig = {
  ...TODAY_DEFAULTS,
  domains: [4, 8],
  mechanism: { ...TODAY_DEFAULTS.mechanism, domains: 8 },
  replay2016: { ...TODAY_DEFAULTS.replay2016, domains: [4, 8] },
};

test('bench --today on a tiny grid: cells, findings, results file and artefacts', async () => {
  const outcome = await runTodayBench({
    config, calibrated: loadProfile('xen-2009'), realDaemons: { used: false, reason: 'test' }, budgetS: 60,
    log: () => {}, id: 'today-test', meta: buildMeta(['test']), threads: 1, now: () => 0,
  });
  const { report, measurements } = outcome;
  const roles = measurements.cells.map((c) => `${c.role} ${c.run.scenario} ${c.run.engine} ${c.run.guests}${c.variant ? ` ${c.variant}` : ''}`);
  assert.deepEqual(roles, [
    'grid boot-storm tdb-pernode 4', 'grid boot-storm trie-replay 4', 'grid agent-chatter tdb-pernode 4', 'grid agent-chatter trie-replay 4',
    'grid boot-storm tdb-pernode 8', 'grid boot-storm trie-replay 8', 'grid agent-chatter tdb-pernode 8', 'grid agent-chatter trie-replay 8',
    'mechanism boot-storm tdb-pernode 8 no-name-check', 'mechanism boot-storm tdb-pernode 8 backoff', 'mechanism boot-storm tdb-pernode 8 precreate',
    'replay2016 boot-storm trie 4', 'replay2016 boot-storm trie-replay 4', 'replay2016 boot-storm trie 8', 'replay2016 boot-storm trie-replay 8',
  ]);
  const eagain = report.exponents.find((e) => e.target === 'tdb-pernode (sim)' && e.figure === 'EAGAIN per domain')!;
  assert.equal(eagain.exponent!.toFixed(4), '1.2224', '(n − 1)/2: 1.5 at 4, 3.5 at 8');
  assert.equal(eagain.growth, 'quadratic');
  assert.equal(report.exponents.find((e) => e.target === 'trie-replay (sim)' && e.figure === 'EAGAIN per domain')!.growth, 'none (zero at every N)');
  assert.deepEqual(report.mechanism.census, [{ node: '/local/domain', conflicts: 28 }]);
  assert.deepEqual(report.mechanism.variants.map((v) => [v.variant, v.sim?.eagainPerDomain, v.real]), [
    ['libxl', 3.5, null], ['no-name-check', 3.5, null], ['backoff', 3.5, null], ['precreate', 0, null],
  ]);
  assert.deepEqual(report.replay2016.rows.map((r) => [r.n, r.withoutEagain, r.withEagain, r.ratio === null ? null : r.ratio > 1]), [[4, 30, 0, true], [8, 140, 0, true]]);
  assert.equal(report.replay2016.published.ratio.toFixed(1), '70.8');
  assert.deepEqual(report.agreement, [], 'no real daemons');
  assert.deepEqual(report.budget.stops, []);
  assert.deepEqual(report.budget.phases.map((p) => p.phase), ['sim grid', 'mechanism (sim)', '2016 replay (sim)']);
  const headline = outcome.file.headline!;
  assert.deepEqual(headline.maxSustainedGuests, { 'tdb-pernode': 8, 'trie-replay': 8 });
  assert.equal(headline.ratio, 1);
  assert.match(outcome.text, /^Boot storm: N domains started at once \(sim: profile xen-2009;/);
  assert.match(outcome.text, /tdb-pernode \(sim\): EAGAIN per domain grows like N\^1\.22, so the total like N\^2\.22 \(quadratic\)\./);
  assert.match(outcome.text, /Real daemons: no \(test\)\./);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'xstorm-today-'));
  try {
    await writeTodayResults(dir, outcome, { png: false });
    const file = await readResultsFile(dir);
    assert.equal(file.kind, 'bench');
    assert.equal(file.runs.length, measurements.cells.length);
    assert.equal(new Set(file.runs.map((r) => r.key)).size, file.runs.length, 'run keys are unique');
    assert.deepEqual((file.headline as unknown as { today: { mechanism: { census: unknown } } }).today.mechanism.census, report.mechanism.census);
    const markdown = await readFile(path.join(dir, 'today.md'), 'utf8');
    assert.match(markdown, /^# Today's daemons \(xstorm bench --today\)/);
    assert.match(markdown, /\| \/local\/domain \| 28 \| 100\.0 % \|/);
    assert.ok((await readdir(dir)).includes('summary.md'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bench --today: its environment knobs are checked, a bad one is a one-line usage error (exit 2)', () => {
  assert.deepEqual(todayEnvironment({}), { budgetS: undefined, real: true });
  assert.deepEqual(todayEnvironment({ XSTORM_TODAY_BUDGET: '90', XSTORM_TODAY_REAL: '0' }), { budgetS: 90, real: false });
  assert.throws(() => todayEnvironment({ XSTORM_TODAY_BUDGET: '-1' }), /^UserError: XSTORM_TODAY_BUDGET must be a positive number of seconds, got "-1"$/);
  assert.throws(() => todayEnvironment({ XSTORM_TODAY_REAL: 'yes' }), /XSTORM_TODAY_REAL must be 0 or 1/);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'xstorm.js'), 'bench', '--today'], { encoding: 'utf8', env: { ...process.env, XSTORM_TODAY_BUDGET: 'soon' } });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.split('\n')[0], 'xstorm: XSTORM_TODAY_BUDGET must be a positive number of seconds, got "soon"');
});

const skipReal = realxsUnavailable();
test('bench --today with the real daemons, 4 domains: real cells beside the models, the mechanism on cxenstored, both daemons priced and simulated', { skip: skipReal }, async () => {
  const small: TodayConfig = {
    ...config,
    domains: [4],
    realReps: { 'boot-storm': 2, 'agent-chatter': 1 },
    mechanism: { ...config.mechanism, domains: 4 },
    replay2016: { ...config.replay2016, domains: [4] },
    check: { ...config.check, minDomains: 4 },
    extrapolation: { domains: [8] },
  };
  const outcome = await runTodayBench({
    config: small, calibrated: loadProfile('xen-2009'), realDaemons: { used: true }, budgetS: 600,
    log: () => {}, id: 'today-real-test', meta: buildMeta(['test']), threads: 1, now: () => 0,
  });
  const { report, measurements } = outcome;
  assert.deepEqual(measurements.failures, []);
  const real = measurements.cells.filter((c) => c.run.driver === 'real');
  assert.deepEqual([...new Set(real.map((c) => `${c.role} ${c.run.scenario} ${c.run.engine}`))], [
    'grid boot-storm socket:cxenstored', 'grid boot-storm socket:oxenstored', 'grid agent-chatter socket:cxenstored', 'grid agent-chatter socket:oxenstored',
    'mechanism boot-storm socket:cxenstored',
  ]);
  for (const c of real) assert.ok(c.run.extra?.['today.daemonWaitMs'] !== undefined && c.load1 !== undefined, 'the load is noted');
  assert.equal(real.filter((c) => c.role === 'grid' && c.run.scenario === 'boot-storm').length, 4, 'two repetitions each');
  assert.deepEqual(report.agreement.map((a) => [a.daemon, a.n]), [['cxenstored', 4], ['oxenstored', 4]]);
  assert.equal(report.agreement[1]!.realEagainPerDomain, 0);
  assert.deepEqual(report.mechanism.variants.map((v) => v.real !== null), [true, true, true, true]);
  assert.equal(report.mechanism.variants.find((v) => v.variant === 'precreate')!.real!.eagainPerDomain, 0);
  assert.deepEqual(report.profiles.map((p) => [p.daemon, p.engine]), [['cxenstored', 'tdb-pernode'], ['oxenstored', 'trie-replay']]);
  assert.deepEqual(report.profileRows.map((r) => [r.daemon, r.n, r.kind]), [
    ['cxenstored', 4, 'check'], ['cxenstored', 8, 'extrapolation (simulated)'], ['oxenstored', 4, 'check'], ['oxenstored', 8, 'extrapolation (simulated)'],
  ]);
  assert.match(outcome.text, /rows beyond this machine's real runs are EXTRAPOLATION/);
  assert.equal(new Set(outcome.file.runs.map((r) => r.key)).size, outcome.file.runs.length, 'run keys are unique');
});
