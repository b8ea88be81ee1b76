/**
 * Agreement with reality: does the simulated driver, priced with THIS
 * machine's calibrated costs, predict what the real-time driver measures?
 * For short-txn and paper-7.1 at small N on tdb and trie, each cell runs
 * the real-time driver `--reps` times (the median is kept: one run on a
 * shared VM can be off by a third) and the simulated driver once (it is
 * deterministic), and prints goodput and abort rate side by side with the
 * verdict against the tolerance (default 20 %).
 *
 * A benchmark, not a unit test: real-time goodput depends on the machine
 * and on whatever else runs on it (xstorm's promise: timing targets are
 * checked by benchmarks that print their figures). Exit code 1 when a
 * cell is outside the tolerance, 2 for bad flags.
 *
 * Usage: npm run bench:agreement [-- --profile <name|file> | --save-profile <file>] [--reps 3 --duration 5 --tolerance 0.2 --cells short-txn:2,4,8/paper-7.1:4,16 --engines tdb,trie]
 */
import { parseBenchArgs, positiveNumber } from './args.ts';
import { calibrate } from '../runner/cost/calibrate.ts';
import { loadProfile, writeProfileFile } from '../runner/cost/load.ts';
import { createRealDriver } from '../runner/real/index.ts';
import { runSimulated } from '../runner/sim/driver.ts';
import { getScenario, validateParams } from '../scenarios/index.ts';
import { isEngineKind } from '../engines/index.ts';
import type { EngineKind } from '../engines/index.ts';
import type { RunPlan } from '../runner/types.ts';
import type { RunResult } from '../reports/schema.ts';

const USAGE = 'Usage: npm run bench:agreement [-- --profile <name|file> | --save-profile <file>] [--reps 3 --duration 5 --tolerance 0.2 --cells short-txn:2,4,8/paper-7.1:4,16 --engines tdb,trie]';
const args = parseBenchArgs(
  {
    profile: { type: 'string' },
    'save-profile': { type: 'string' },
    reps: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    tolerance: { type: 'string', default: '0.2' },
    cells: { type: 'string', default: 'short-txn:2,4,8/paper-7.1:4,16' },
    engines: { type: 'string', default: 'tdb,trie' },
  },
  USAGE,
);

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const reps = Math.round(positiveNumber('reps', args.reps));
const durationS = positiveNumber('duration', args.duration);
const tolerance = positiveNumber('tolerance', args.tolerance);
const engines = args.engines.split(',').filter(Boolean);
for (const e of engines) if (!isEngineKind(e)) fail(`--engines: unknown engine ${JSON.stringify(e)}`);

/** Scenario parameters of each cell: paper-7.1 gets enough transactions to last the whole duration. */
const PARAMS: Record<string, Record<string, unknown>> = { 'paper-7.1': { transactions: 1_000_000 } };
const cells = args.cells.split('/').flatMap((part) => {
  const [scenario, guests] = part.split(':');
  const ns = (guests ?? '').split(',').map(Number);
  if (!scenario || ns.length === 0 || ns.some((n) => !Number.isInteger(n) || n < 1)) fail(`--cells: expected scenario:N,N/..., got ${JSON.stringify(part)}`);
  try {
    getScenario(scenario);
  } catch (error) {
    fail(`--cells: ${(error as Error).message}`);
  }
  return ns.map((n) => ({ scenario, guests: n }));
});

const note = (text: string) => process.stderr.write(`${text}\n`);
const profile = args.profile
  ? loadProfile(args.profile)
  : await calibrate({ name: 'agreement', quick: true, engines: ['tdb', 'trie'], onProgress: (f, n) => note(`calibrate ${(f * 100).toFixed(0)}% ${n}`) });
if (args['save-profile']) writeProfileFile(args['save-profile'], profile);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Relative difference of the simulated figure from the real one. */
const diff = (sim: number, real: number) => (real === 0 ? (sim === 0 ? 0 : Infinity) : (sim - real) / real);
const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%` : 'inf');

const rows: string[] = [];
let misses = 0;
const real = createRealDriver({});
for (const { scenario, guests } of cells) {
  for (const engine of engines as EngineKind[]) {
    const plan: RunPlan = {
      scenario, params: validateParams(getScenario(scenario), PARAMS[scenario] ?? {}), guests, seed: 1, durationS,
      target: { kind: 'engine', engine }, rep: 0,
    };
    const runs: RunResult[] = [];
    for (let rep = 0; rep < reps; rep++) runs.push(await real.run({ ...plan, rep }));
    const sim = await runSimulated(plan, profile);
    const realGoodput = median(runs.map((r) => r.goodput));
    const realAbort = median(runs.map((r) => r.abortRate));
    const dGoodput = diff(sim.goodput, realGoodput);
    // Abort rates near 0 compare absolutely (0.1 % vs 0.2 % is agreement).
    const dAbort = realAbort < 0.05 ? sim.abortRate - realAbort : diff(sim.abortRate, realAbort);
    const ok = Math.abs(dGoodput) <= tolerance && Math.abs(dAbort) <= tolerance;
    if (!ok) misses++;
    const spread = runs.map((r) => r.goodput.toFixed(0)).join(' / ');
    rows.push(`| ${scenario} | ${engine} | ${guests} | ${realGoodput.toFixed(0)} (${spread}) | ${sim.goodput.toFixed(0)} | ${pct(dGoodput)} | ${(realAbort * 100).toFixed(1)}% | ${(sim.abortRate * 100).toFixed(1)}% | ${ok ? 'agrees' : 'MISS'} |`);
    note(rows[rows.length - 1]!);
  }
}

const c = profile.client;
process.stdout.write(
  `profile ${profile.name}: client ${c ? `${c.perRequestUs} us/request + ${c.wakeUs ?? 0} us/wake-up on ${c.threads} thread(s)` : 'not modelled'}, `
  + `daemon loop ${profile.daemon.perRequestUs ?? 0} us/request + ${profile.daemon.wakeUs ?? 0} us/wake-up, transport ${profile.transport.latencyUs} us\n`
  + engines.map((e) => {
    const p = profile.engines[e]?.pipeline;
    return p ? `${e} in the pipeline: service x${p.serviceScale}, client ${p.clientPerRequestUs} + ${p.clientWakeUs}/wake-up, daemon loop ${p.daemonPerRequestUs} + ${p.daemonWakeUs}/wake-up (us)\n` : '';
  }).join('')
  + `real: median of ${reps} runs of ${durationS} s (each run in brackets); sim: one seeded run; tolerance ±${(tolerance * 100).toFixed(0)}%\n\n`
  + '| scenario | engine | N | real goodput/s | sim goodput/s | sim vs real | real abort | sim abort | verdict |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n'
  + `${rows.join('\n')}\n\n${misses === 0 ? `all ${rows.length} cells agree` : `${misses} of ${rows.length} cells outside ±${(tolerance * 100).toFixed(0)}%`}\n`,
);
process.exitCode = misses === 0 ? 0 : 1;
