/**
 * The real Xen 4.17 daemons of ../shared/realxs, started and stopped for
 * `xstorm bench --today` (one fresh daemon per phase that needs it).
 * `XSTORM_REALXS_TOOLS` names the scripts folder (default
 * `<repo>/../shared/realxs`), `REALXS_HOME` where setup.sh unpacked the
 * daemons (default `/tmp/realxs`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The daemons, by the name start.sh knows them. */
export type RealDaemonName = 'cxenstored' | 'oxenstored';

/** Where the scripts and the unpacked daemons are. */
export function realxsPaths(env: NodeJS.ProcessEnv = process.env): { tools: string; home: string } {
  return {
    tools: env['XSTORM_REALXS_TOOLS'] ?? resolve(REPO, '..', 'shared', 'realxs'),
    home: env['REALXS_HOME'] ?? '/tmp/realxs',
  };
}

/** Why the real daemons cannot run here, or undefined when they can. */
export function realxsUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { tools, home } = realxsPaths(env);
  if (!existsSync(join(tools, 'start.sh'))) return `realxs scripts not found at ${tools}`;
  if (!existsSync(join(home, 'root/usr/lib/xen-4.17/bin/xenstored'))) return `real daemons not set up under ${home} (run ${tools}/setup.sh)`;
  return undefined;
}

/** A running real daemon. */
export interface RealDaemon {
  readonly name: RealDaemonName;
  readonly socket: string;
  readonly pid: number;
  /** Stops it (stop.sh: SIGTERM, then SIGKILL after 10 s) and removes its directory. */
  stop(): void;
}

/** Starts one daemon in a fresh directory; throws with start.sh's message when it does not come up. */
export function startRealDaemon(name: RealDaemonName): RealDaemon {
  const { tools } = realxsPaths();
  // The socket path must stay short (sun_path): a short temp dir.
  const dir = mkdtempSync(join(existsSync('/tmp') ? '/tmp' : tmpdir(), `xst-${name.slice(0, 2)}-`));
  let pid: number;
  try {
    pid = Number(execFileSync(join(tools, 'start.sh'), [name, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 }).trim());
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n').at(-1);
    throw new Error(`cannot start ${name} with ${tools}/start.sh${stderr ? `: ${stderr}` : ''}`);
  }
  return {
    name,
    socket: join(dir, 'socket'),
    pid,
    stop() {
      spawnSync(join(tools, 'stop.sh'), [String(pid)], { stdio: 'ignore', timeout: 20000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
