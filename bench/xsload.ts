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
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseBenchArgs, positiveNumber } from './args.ts';
import { connectUnixSocket } from '../protocol/socket.ts';
import { REALXS_TOOLS, REALXS_XSLOAD, realxsSkipReason } from '../test/helpers/realxs.ts';
import { fileURLToPath } from 'node:url';

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
const PIN = args.pin === 'split';
const XSTORM = fileURLToPath(new URL('../bin/xstorm.js', import.meta.url));

interface Row {
  commits: number;
  eagainPerCommit: number;
  ok: boolean;
  p50: number;
}

interface Target {
  name: string;
  socket: string;
  stop(): Promise<void>;
}

async function waitForSocket(socket: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (existsSync(socket)) {
      try {
        (await connectUnixSocket(socket)).close();
        return;
      } catch {
        // not yet
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${socket}`);
}

async function startXstorm(engine: string): Promise<Target> {
  const dir = mkdtempSync(`/tmp/xsl-${engine}-`);
  const socket = join(dir, 'socket');
  const cmd = PIN ? ['taskset', '-c', '0', process.execPath] : [process.execPath];
  const child = spawn(cmd[0]!, [...cmd.slice(1), XSTORM, 'serve', '--engine', engine, '--socket', socket, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForSocket(socket);
  return {
    name: `xstorm ${engine}`,
    socket,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function startReal(kind: string): Target {
  const dir = mkdtempSync(`/tmp/xsl-${kind}-`);
  const pid = execFileSync(join(REALXS_TOOLS, 'start.sh'), [kind, dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, ...(PIN ? { REALXS_CPU: '0' } : {}) },
  }).trim();
  return {
    name: kind,
    socket: join(dir, 'socket'),
    async stop() {
      spawnSync(join(REALXS_TOOLS, 'stop.sh'), [pid], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function xsload(socket: string, k: number, mode: string, prefix: string): Row {
  const cmd = PIN ? 'taskset' : REALXS_XSLOAD;
  const pre = PIN ? ['-c', '1', REALXS_XSLOAD] : [];
  const r = spawnSync(cmd, [...pre, '-s', socket, '-k', String(k), '-t', String(SECONDS), '-m', mode, '-p', prefix], { encoding: 'utf8', timeout: (SECONDS + 60) * 1000 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as Record<string, number | boolean>;
    const commits = j['commits_per_s'] as number;
    return { commits, eagainPerCommit: (j['eagain_per_s'] as number) / Math.max(commits, 1e-9), ok: j['verify_ok'] === true && j['other_errors'] === 0, p50: j['commit_lat_ms_p50'] as number };
  } catch {
    return { commits: NaN, eagainPerCommit: NaN, ok: false, p50: NaN };
  }
}

const skip = realxsSkipReason();
if (skip) {
  console.log(`bench:xsload needs ../shared/realxs: ${skip}`);
  process.exit(0);
}

const names = [...ENGINES.map((e) => `xstorm ${e}`), ...REAL];
const results = new Map<string, Row>();
const starters: (() => Promise<Target> | Target)[] = [...ENGINES.map((e) => () => startXstorm(e)), ...REAL.map((d) => () => startReal(d))];
let cell = 0;
for (const start of starters) {
  const t = await start();
  try {
    for (const mode of MODES) {
      for (const k of CONNS) {
        results.set(`${t.name}|${mode}|${k}`, xsload(t.socket, k, mode, `/xsload${cell++}`));
        process.stderr.write('.');
      }
    }
  } finally {
    await t.stop();
  }
}
process.stderr.write('\n');

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
console.log(`xsload, ${SECONDS} s per cell, placement ${PIN ? 'split (daemon CPU 0, xsload CPU 1)' : 'none'}; commits/s (EAGAIN per commit); ✗ = lost-update check failed or other errors\n`);
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
