/**
 * What bench/xsload.ts and bench/serve.ts share: starting `xstorm serve`
 * and the real daemons of ../shared/realxs on a fresh socket, and one run
 * of realxs's C load client (`/tmp/realxs/xsload`) against a socket.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectUnixSocket } from '../protocol/socket.ts';
import { REALXS_TOOLS, REALXS_XSLOAD } from '../test/helpers/realxs.ts';

const XSTORM = fileURLToPath(new URL('../bin/xstorm.js', import.meta.url));

/** One xsload run's figures. */
export interface XsloadRow {
  /** Successful commits per second. */
  readonly commits: number;
  readonly eagainPerCommit: number;
  /** The lost-update check passed and no error other than EAGAIN happened. */
  readonly ok: boolean;
  /** Median latency of a successful commit attempt, ms. */
  readonly p50: number;
}

/** A daemon listening on a socket, started for a benchmark. */
export interface Target {
  readonly name: string;
  readonly socket: string;
  stop(): Promise<void>;
}

/** How targets are placed on the 2 CPUs: `split` = daemon on CPU 0, xsload on CPU 1 (realxs bench.sh `-p split`). */
export type Placement = 'split' | 'none';

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

/**
 * Starts `xstorm serve --engine <engine>`; `cpuProfDir` adds node's
 * `--cpu-prof` (profile written there on stop); `bin` runs another
 * checkout's `bin/xstorm.js` (a before/after comparison in one run).
 */
export async function startXstorm(engine: string, placement: Placement, cpuProfDir?: string, bin = XSTORM, label = `xstorm ${engine}`): Promise<Target> {
  const dir = mkdtempSync(`/tmp/xsl-${engine}-`);
  const socket = join(dir, 'socket');
  const node = [process.execPath, ...(cpuProfDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [])];
  const cmd = placement === 'split' ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(cmd[0]!, [...cmd.slice(1), bin, 'serve', '--engine', engine, '--socket', socket, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForSocket(socket);
  return {
    name: label,
    socket,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a real daemon of realxs (`cxenstored`, `cxenstored-tdb`, `oxenstored`). */
export function startReal(kind: string, placement: Placement): Target {
  const dir = mkdtempSync(`/tmp/xsl-${kind}-`);
  const pid = execFileSync(join(REALXS_TOOLS, 'start.sh'), [kind, dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, ...(placement === 'split' ? { REALXS_CPU: '0' } : {}) },
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

/** One xsload run (`-m mode -k conns`) of `seconds` against `socket`, keys under `prefix`. */
export function runXsload(socket: string, conns: number, mode: string, prefix: string, seconds: number, placement: Placement): XsloadRow {
  const pin = placement === 'split';
  const cmd = pin ? 'taskset' : REALXS_XSLOAD;
  const pre = pin ? ['-c', '1', REALXS_XSLOAD] : [];
  const r = spawnSync(cmd, [...pre, '-s', socket, '-k', String(conns), '-t', String(seconds), '-m', mode, '-p', prefix], { encoding: 'utf8', timeout: (seconds + 60) * 1000 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as Record<string, number | boolean>;
    const commits = j['commits_per_s'] as number;
    return { commits, eagainPerCommit: (j['eagain_per_s'] as number) / Math.max(commits, 1e-9), ok: j['verify_ok'] === true && j['other_errors'] === 0, p50: j['commit_lat_ms_p50'] as number };
  } catch {
    return { commits: NaN, eagainPerCommit: NaN, ok: false, p50: NaN };
  }
}

/** A number with thousands separators, or `n/a`. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}
