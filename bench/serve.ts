/**
 * `xstorm serve` per engine against the real Xen 4.17 daemons, side by
 * side (issue 15, goal 1): realxs's C load client xsload runs the same
 * cells against each target; targets alternate within a repetition and the
 * table shows the median of the repetitions, plus each engine's ratio to
 * each real daemon. Never asserts: figures depend on the machine and on
 * what else runs on it (note `uptime` beside any figure you quote).
 *
 * Without ../shared/realxs it prints a message and exits 0 (the real
 * daemons and xsload both come from there).
 *
 * Placement: `--pin none` (default) leaves both processes to the
 * scheduler; `--pin split` pins every daemon to CPU 0 and xsload to CPU 1
 * (realxs bench.sh `-p split`). On a shared machine split is at the mercy
 * of whatever else runs on CPU 0, and Node (more work per wake-up, V8's
 * helper threads pinned with it) loses more from that than the C daemon.
 *
 * `--cpu-prof <dir>` runs every `xstorm serve` under node's `--cpu-prof`
 * (one .cpuprofile per daemon start, written on stop) to see where time goes.
 *
 * Usage: npm run bench:serve [-- --seconds 3 --reps 3 --cells own:32,p71:128
 *   --engines trie,trie-replay,tdb-pernode --daemons oxenstored,cxenstored --pin split|none --cpu-prof <dir> --compare <other checkout>]
 *
 * `--compare <dir>` also runs each engine from another checkout of xstorm
 * (its `bin/xstorm.js`, column `<engine> @<dir name>`), alternating with
 * this one in the same run: a before/after figure that the machine's load
 * moves alike.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseBenchArgs, positiveNumber } from './args.ts';
import { realxsSkipReason } from '../test/helpers/realxs.ts';
import { formatCount, runXsload, startReal, startXstorm } from './xsload-targets.ts';
import type { Placement, Target, XsloadRow } from './xsload-targets.ts';

const USAGE =
  'Usage: npm run bench:serve [-- --seconds 3 --reps 3 --cells own:32,p71:128 --engines trie,trie-replay,tdb-pernode --daemons oxenstored,cxenstored --pin split|none --cpu-prof <dir> --compare <other checkout>]';
const args = parseBenchArgs(
  {
    seconds: { type: 'string', default: '3' },
    reps: { type: 'string', default: '3' },
    cells: { type: 'string', default: 'own:32,p71:128' },
    engines: { type: 'string', default: 'trie,trie-replay,tdb-pernode' },
    daemons: { type: 'string', default: 'oxenstored,cxenstored' },
    pin: { type: 'string', default: 'none' },
    'cpu-prof': { type: 'string' },
    compare: { type: 'string' },
  },
  USAGE,
);

interface Cell {
  readonly mode: string;
  readonly conns: number;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const SECONDS = positiveNumber('seconds', args.seconds);
const REPS = positiveNumber('reps', args.reps);
const CELLS: Cell[] = args.cells.split(',').map((text) => {
  const m = /^(own|shared|p71):([1-9][0-9]*)$/.exec(text);
  if (!m) fail(`--cells: bad cell ${JSON.stringify(text)} (expected mode:K, mode one of own, shared, p71)`);
  return { mode: m[1]!, conns: Number(m[2]) };
});
const ENGINES = args.engines.split(',').filter(Boolean);
const REAL = args.daemons.split(',').filter(Boolean);
if (args.pin !== 'split' && args.pin !== 'none') fail(`--pin must be split or none, got ${JSON.stringify(args.pin)}`);
const PLACEMENT: Placement = args.pin;

const skip = realxsSkipReason();
if (skip !== undefined) {
  console.log(`bench:serve: xsload and the real daemons come from ../shared/realxs (${skip}); skipping.`);
  process.exit(0);
}
const real = REAL;

const other = args.compare;
if (other !== undefined && !existsSync(join(other, 'bin', 'xstorm.js'))) fail(`--compare: no bin/xstorm.js under ${other}`);
const otherName = other === undefined ? '' : basename(resolve(other));
const starters: { name: string; start: () => Promise<Target> | Target }[] = [
  ...ENGINES.map((e) => ({ name: `xstorm ${e}`, start: () => startXstorm(e, PLACEMENT, args['cpu-prof']) })),
  ...(other === undefined
    ? []
    : ENGINES.map((e) => ({
        name: `xstorm ${e} @${otherName}`,
        start: () => startXstorm(e, PLACEMENT, args['cpu-prof'], join(other, 'bin', 'xstorm.js'), `xstorm ${e} @${otherName}`),
      }))),
  ...real.map((d) => ({ name: d, start: () => startReal(d, PLACEMENT) })),
];
const samples = new Map<string, XsloadRow[]>();
let prefix = 0;
for (let rep = 0; rep < REPS; rep++) {
  for (const s of starters) {
    const t = await s.start();
    try {
      for (const c of CELLS) {
        const key = `${s.name}|${c.mode}|${c.conns}`;
        const list = samples.get(key) ?? [];
        list.push(runXsload(t.socket, c.conns, c.mode, `/serve${prefix++}`, SECONDS, PLACEMENT));
        samples.set(key, list);
        process.stderr.write('.');
      }
    } finally {
      await t.stop();
    }
  }
}
process.stderr.write('\n');

function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const names = starters.map((s) => s.name);
const ratioCols = real.flatMap((d) =>
  [...ENGINES.map((e) => `xstorm ${e}`), ...(other === undefined ? [] : ENGINES.map((e) => `xstorm ${e} @${otherName}`))].map((name) => ({
    title: `${name.slice('xstorm '.length)}/${d}`,
    engine: name,
    daemon: d,
  })),
);
console.log(
  `xsload, ${SECONDS} s per cell, median of ${REPS} alternating runs, placement ${PLACEMENT === 'split' ? 'split (daemon CPU 0, xsload CPU 1)' : 'none'}; ` +
    'commits/s (EAGAIN per commit); ✗ = lost-update check failed or other errors in some run\n',
);
console.log(`| xsload | ${names.join(' | ')} | ${ratioCols.map((r) => r.title).join(' | ')} |`);
console.log(`|---|${names.map(() => '---:').join('|')}|${ratioCols.map(() => '---:').join('|')}|`);
for (const c of CELLS) {
  const med = (name: string): number => median((samples.get(`${name}|${c.mode}|${c.conns}`) ?? []).map((r) => r.commits));
  const cells = names.map((n) => {
    const rows = samples.get(`${n}|${c.mode}|${c.conns}`) ?? [];
    const eagain = median(rows.map((r) => r.eagainPerCommit));
    return `${formatCount(med(n))} (${Number.isFinite(eagain) ? eagain.toFixed(1) : 'n/a'})${rows.every((r) => r.ok) ? '' : ' ✗'}`;
  });
  const ratios = ratioCols.map((r) => `${(med(r.engine) / med(r.daemon)).toFixed(2)}x`);
  console.log(`| ${c.mode} K=${c.conns} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
}
