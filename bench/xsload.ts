/**
 * xsload side by side: realxs's C load client (`/tmp/realxs/xsload`: each
 * connection loops TRANSACTION_START; READ key; WRITE key+1; commit, and
 * starts over on EAGAIN) against `xstorm serve --engine <kind>`, the real
 * oxenstored and the real cxenstored, in one run, own and shared keys,
 * K = 1, 8, 32, 64 connections. Prints a markdown table (commits/s,
 * EAGAIN per commit, the lost-update check) and xstorm's ratio to each real
 * daemon. Never asserts: figures depend on the machine.
 *
 * Placement (`--pin split`, default): every daemon on CPU 0, xsload on
 * CPU 1, like realxs bench.sh `-p split`; `--pin none` leaves it to the
 * scheduler.
 *
 * Usage: npm run bench:xsload [-- --seconds 3 --conns 1,8,32,64 --modes own,shared --engines trie --daemons oxenstored,cxenstored --pin split]
 */
import { parseBenchArgs, positiveNumber } from './args.ts';
import { realxsSkipReason } from '../test/helpers/realxs.ts';
import { formatCount, runXsload, startReal, startXstorm } from './xsload-targets.ts';
import type { Placement, Target, XsloadRow } from './xsload-targets.ts';

const args = parseBenchArgs(
  {
      seconds: { type: 'string', default: '3' },
      conns: { type: 'string', default: '1,8,32,64' },
      modes: { type: 'string', default: 'own,shared' },
      engines: { type: 'string', default: 'trie' },
      daemons: { type: 'string', default: 'oxenstored,cxenstored' },
      pin: { type: 'string', default: 'split' },
    },
  'Usage: npm run bench:xsload [-- --seconds 3 --conns 1,8,32,64 --modes own,shared --engines trie --daemons oxenstored,cxenstored --pin split|none]',
);

const SECONDS = positiveNumber('seconds', args.seconds);
const CONNS = args.conns.split(',').map(Number);
const MODES = args.modes.split(',');
const ENGINES = args.engines.split(',').filter(Boolean);
const REAL = args.daemons.split(',').filter(Boolean);
const PLACEMENT: Placement = args.pin === 'split' ? 'split' : 'none';

const skip = realxsSkipReason();
if (skip) {
  console.log(`bench:xsload needs ../shared/realxs: ${skip}`);
  process.exit(0);
}

const names = [...ENGINES.map((e) => `xstorm ${e}`), ...REAL];
const results = new Map<string, XsloadRow>();
const starters: (() => Promise<Target> | Target)[] = [...ENGINES.map((e) => () => startXstorm(e, PLACEMENT)), ...REAL.map((d) => () => startReal(d, PLACEMENT))];
let cell = 0;
for (const start of starters) {
  const t = await start();
  try {
    for (const mode of MODES) {
      for (const k of CONNS) {
        results.set(`${t.name}|${mode}|${k}`, runXsload(t.socket, k, mode, `/xsload${cell++}`, SECONDS, PLACEMENT));
        process.stderr.write('.');
      }
    }
  } finally {
    await t.stop();
  }
}
process.stderr.write('\n');

const fmt = formatCount;
console.log(`xsload, ${SECONDS} s per cell, placement ${PLACEMENT === 'split' ? 'split (daemon CPU 0, xsload CPU 1)' : 'none'}; commits/s (EAGAIN per commit); ✗ = lost-update check failed or other errors\n`);
const realCols = REAL.flatMap((d) => ENGINES.map((e) => `${e}/${d}`));
console.log(`| mode | K | ${names.join(' | ')} | ${realCols.join(' | ')} |`);
console.log(`|---|---:|${names.map(() => '---:').join('|')}|${realCols.map(() => '---:').join('|')}|`);
for (const mode of MODES) {
  for (const k of CONNS) {
    const cells = names.map((n) => {
      const r = results.get(`${n}|${mode}|${k}`)!;
      return `${fmt(r.commits)} (${Number.isFinite(r.eagainPerCommit) ? r.eagainPerCommit.toFixed(1) : 'n/a'})${r.ok ? '' : ' ✗'}`;
    });
    const ratios = REAL.flatMap((d) =>
      ENGINES.map((e) => {
        const a = results.get(`xstorm ${e}|${mode}|${k}`)!.commits;
        const b = results.get(`${d}|${mode}|${k}`)!.commits;
        return `${(a / b).toFixed(2)}x`;
      }),
    );
    console.log(`| ${mode} | ${k} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
}
