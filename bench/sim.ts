/**
 * The simulator's own speed: simulated requests per wall-clock second of
 * the simulation loop alone (one `runSimulated`, in this process), without
 * the command's start-up (module loading) or its result files and charts.
 * `xstorm run` pays those on top; this is the figure a sweep of many
 * points waits on. Runs the plan `--reps` times and prints each run and
 * the median; the first run includes JIT warm-up. Figures depend on the
 * machine and its load: print `uptime` beside them.
 *
 * Usage: npm run bench:sim [-- --scenario boot-storm --engine trie-replay --guests 1000 --profile xen-2009 --reps 3]
 */
import type { EngineKind } from '../engines/index.ts';
import { isEngineKind } from '../engines/index.ts';
import { loadProfile } from '../runner/cost/load.ts';
import { runSimulated } from '../runner/sim/driver.ts';
import type { RunPlan } from '../runner/types.ts';
import { defaultDuration, getScenario, validateParams } from '../scenarios/index.ts';
import { parseBenchArgs, positiveNumber } from './args.ts';

const USAGE = 'usage: npm run bench:sim [-- --scenario NAME --engine KIND --guests N --profile NAME --reps N]';

const args = parseBenchArgs({
  scenario: { type: 'string', default: 'boot-storm' },
  engine: { type: 'string', default: 'trie-replay' },
  guests: { type: 'string', default: '1000' },
  profile: { type: 'string', default: 'xen-2009' },
  reps: { type: 'string', default: '3' },
}, USAGE);

if (!isEngineKind(args.engine)) {
  process.stderr.write(`unknown engine ${JSON.stringify(args.engine)}\n${USAGE}\n`);
  process.exit(2);
}
const engine: EngineKind = args.engine;
const scenario = getScenario(args.scenario);
const params = validateParams(scenario, {});
const plan: RunPlan = {
  scenario: args.scenario,
  params,
  guests: positiveNumber('guests', args.guests),
  seed: 1,
  durationS: defaultDuration(scenario, params),
  target: { kind: 'engine', engine },
  rep: 0,
};
const profile = loadProfile(args.profile);
const reps = positiveNumber('reps', args.reps);

const rates: number[] = [];
for (let i = 0; i < reps; i++) {
  const start = performance.now();
  const result = await runSimulated(plan, profile);
  const ms = performance.now() - start;
  const rate = result.requests / (ms / 1000);
  rates.push(rate);
  process.stdout.write(`${plan.scenario} ${engine} g${plan.guests} ${profile.name}: ${result.requests} requests in ${ms.toFixed(0)} ms = ${(rate / 1000).toFixed(1)}k requests/s\n`);
}
const sorted = [...rates].sort((a, b) => a - b);
process.stdout.write(`median of ${reps}: ${(sorted[Math.floor((reps - 1) / 2)]! / 1000).toFixed(1)}k simulated requests per wall-clock second of the simulation loop\n`);
