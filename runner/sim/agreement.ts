/**
 * Agreement with reality, as a script (too load-sensitive for a unit test on
 * a shared machine): calibrates this machine (quick), then runs short-txn
 * and paper-7.1 at small N on the real-time driver and on the simulated
 * driver with that calibration, and prints goodput and abort rate side by
 * side (markdown table on stdout).
 *
 *   node --import tsx runner/sim/agreement.ts [--profile <calibrated name|file>]
 */
import { createRealDriver } from '../real/index.ts';
import { runSimulated } from './driver.ts';
import { calibrate } from '../cost/calibrate.ts';
import { loadProfile } from '../cost/load.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import type { RunPlan } from '../types.ts';

const at = process.argv.indexOf('--profile');
const profile = at > 0
  ? loadProfile(process.argv[at + 1]!)
  : await calibrate({ name: 'agreement', quick: true, engines: ['tdb', 'trie'], onProgress: (f, n) => process.stderr.write(`calibrate ${(f * 100).toFixed(0)}% ${n}\n`) });
const real = createRealDriver({});
const cells: [string, Record<string, unknown>, number, number][] = [
  ['short-txn', {}, 4, 6], ['short-txn', {}, 8, 6],
  ['paper-7.1', { transactions: 3000 }, 4, 6], ['paper-7.1', { transactions: 3000 }, 16, 6],
];
const rows: string[] = [];
const pct = (a: number, b: number) => (b === 0 ? (a === 0 ? '0%' : 'inf') : `${(((a - b) / b) * 100).toFixed(0)}%`);
for (const [scenario, raw, guests, durationS] of cells) {
  for (const engine of ['tdb', 'trie'] as const) {
    const plan: RunPlan = { scenario, params: validateParams(getScenario(scenario), raw), guests, seed: 1, durationS, target: { kind: 'engine', engine }, rep: 0 };
    const r = await real.run(plan);
    const s = await runSimulated(plan, profile);
    rows.push(`| ${scenario} | ${engine} | ${guests} | ${r.goodput.toFixed(0)} | ${s.goodput.toFixed(0)} | ${pct(s.goodput, r.goodput)} | ${(r.abortRate * 100).toFixed(1)}% | ${(s.abortRate * 100).toFixed(1)}% |`);
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
}
process.stdout.write(`profile ${profile.name}: transport ${profile.transport.latencyUs} us, client ${profile.client?.perRequestUs ?? 0} us x ${profile.client?.threads ?? 0}\n`
  + '| scenario | engine | N | real goodput | sim goodput | sim vs real | real abort | sim abort |\n|---|---|---:|---:|---:|---:|---:|---:|\n'
  + `${rows.join('\n')}\n`);
