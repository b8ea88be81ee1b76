/**
 * Starting daemons for socket tests: `xstorm serve` as a child process, the
 * real Xen 4.17 daemons through ../shared/realxs, and a raw-frame socket
 * client for requests XsClient would never send.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageDecoder, bytesToLatin1, encodeFrame } from '../../protocol/codec.ts';
import type { XsMessage } from '../../protocol/types.ts';
import { connectUnixSocket } from '../../protocol/socket.ts';
import { REALXS_HOME, REALXS_TOOLS } from '../helpers/realxs.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const XSTORM_BIN = join(repoRoot, 'bin', 'xstorm.js');
export const REALXS_LIBDIR = `${REALXS_HOME}/root/usr/lib/x86_64-linux-gnu`;
export const REALXS_CLIBIN = `${REALXS_HOME}/root/usr/bin`;
export const REALXS_TEST_XENSTORE = `${REALXS_HOME}/root/usr/lib/xen-4.17/bin/test-xenstore`;

/** A running daemon on a socket. */
export interface RunningDaemon {
  readonly name: string;
  readonly dir: string;
  readonly socket: string;
  /** Stops it; resolves with its stderr (xstorm) or log. */
  stop(): Promise<string>;
}

/** A short temp dir (socket paths must fit in sun_path). */
export function shortTempDir(tag: string): string {
  return mkdtempSync(`/tmp/xsd-${tag}-`);
}

async function waitForSocket(socket: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`xstorm serve exited with ${child.exitCode}: ${stderr()}`);
    if (existsSync(socket)) {
      try {
        const t = await connectUnixSocket(socket);
        t.close();
        return;
      } catch {
        // not listening yet
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`xstorm serve did not listen on ${socket}: ${stderr()}`);
}

/** Starts `xstorm serve --engine <engine>` on `<dir>/socket`. */
export async function startXstormServe(engine: string, dir = shortTempDir(engine), extra: string[] = []): Promise<RunningDaemon & { child: ChildProcess }> {
  const socket = join(dir, 'socket');
  const child = spawn(process.execPath, [XSTORM_BIN, 'serve', '--engine', engine, '--socket', socket, ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await waitForSocket(socket, child, () => err);
  return {
    name: `xstorm-${engine}`,
    dir,
    socket,
    child,
    async stop() {
      if (child.exitCode === null) {
        // 'close': its stderr (returned below) is read to the end, not only its exit seen.
        const exited = new Promise<void>((r) => child.once('close', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      return err;
    },
  };
}

/** Starts a real daemon (`cxenstored` / `oxenstored`) via realxs start.sh. */
export function startRealDaemon(kind: 'cxenstored' | 'oxenstored' | 'cxenstored-tdb', dir = shortTempDir(kind)): RunningDaemon {
  const pid = execFileSync(join(REALXS_TOOLS, 'start.sh'), [kind, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  return {
    name: kind,
    dir,
    socket: join(dir, 'socket'),
    async stop() {
      await new Promise<void>((r) => execFile(join(REALXS_TOOLS, 'stop.sh'), [pid], () => r()));
      let log = '';
      try {
        log = readFileSync(join(dir, 'daemon.log'), 'utf8');
      } catch {
        // none
      }
      rmSync(dir, { recursive: true, force: true });
      return log;
    },
  };
}

/** Runs a Debian xenstore client tool against `dir/socket`. */
export function realClient(dir: string, cmd: string, args: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const exe = cmd === 'test-xenstore' ? REALXS_TEST_XENSTORE : join(REALXS_CLIBIN, cmd);
  return new Promise((resolvePromise) => {
    execFile(
      exe,
      args,
      { env: { ...process.env, LD_LIBRARY_PATH: REALXS_LIBDIR, XENSTORED_PATH: join(dir, 'socket') }, timeout: timeoutMs, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** A decoded message as text. */
export interface RawMsg {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly text: string;
}

/** A raw-frame client: sends any bytes, reads frames back. */
export class RawConn {
  readonly #socket: net.Socket;
  readonly #decoder = new MessageDecoder();
  readonly #inbox: RawMsg[] = [];
  #waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk) => {
      this.#decoder.push(new Uint8Array(chunk));
      try {
        for (let m: XsMessage | undefined = this.#decoder.next(); m; m = this.#decoder.next()) {
          this.#inbox.push({ type: m.type, reqId: m.reqId, txId: m.txId, text: bytesToLatin1(m.payload) });
        }
      } catch {
        // a broken reply stream: treat as closed
        socket.destroy();
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static connect(path: string): Promise<RawConn> {
    return new Promise((res, rej) => {
      const s = net.createConnection({ path });
      s.once('connect', () => res(new RawConn(s)));
      s.once('error', rej);
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  sendBytes(bytes: Uint8Array): void {
    if (!this.#socket.destroyed) this.#socket.write(bytes);
  }

  send(type: number, reqId: number, txId: number, payload: Uint8Array): void {
    this.sendBytes(encodeFrame(type, reqId, txId, payload));
  }

  /** Waits for the next message matching `pred` (or `undefined` on close/timeout). */
  async next(pred: (m: RawMsg) => boolean, timeoutMs = 3000): Promise<RawMsg | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#inbox.findIndex(pred);
      if (i >= 0) return this.#inbox.splice(i, 1)[0];
      if (this.closed || Date.now() >= deadline) return undefined;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Everything received so far (and clears it). */
  take(): RawMsg[] {
    return this.#inbox.splice(0);
  }

  close(): void {
    this.#socket.destroy();
  }
}
