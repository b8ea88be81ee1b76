/**
 * Spawning the real `xstorm` CLI in tests (the honest check for exit codes,
 * messages and signals): asynchronously, so independent invocations run
 * side by side, with a timeout that turns a hang into a failed assertion.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bin/xstorm.js (`XSTORM_TEST_CLI` names another checkout's, to see a test fail before a fix). */
export const CLI = process.env['XSTORM_TEST_CLI'] || fileURLToPath(new URL('../../bin/xstorm.js', import.meta.url));

/** How a CLI invocation ended. */
export interface CliOutcome {
  /** Exit code; null when it was killed (by the timeout or a signal). */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time (ms). */
  readonly ms: number;
  /** The timeout fired (the process was killed). */
  readonly timedOut: boolean;
}

/** Options of {@link startCli}. */
export interface CliOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Kill it (SIGKILL) after this long (ms, default 60 s). */
  readonly timeoutMs?: number;
}

/** A running CLI process and the promise of its outcome. */
export interface RunningCli {
  readonly child: ChildProcess;
  readonly done: Promise<CliOutcome>;
  /** stderr so far. */
  stderr(): string;
}

/** Starts `xstorm <args>` with stdout/stderr piped (not a TTY). */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 60000);
  const done = new Promise<CliOutcome>((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
  return { child, done, stderr: () => stderr };
}

/** Runs `xstorm <args>` to the end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliOutcome> {
  return startCli(args, options).done;
}

/** Polls `condition` every 25 ms until it holds; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
