/**
 * The daemon's two socket I/O paths (protocol/raw-stream.ts on the raw
 * libuv handle, and net.Socket with XSTORM_SOCKET_IO=net) deliver the
 * same bytes, apply back-pressure, and end and close alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenUnixSocket } from '../../protocol/socket.ts';
import type { SocketServerConnection } from '../../protocol/socket.ts';
import { RawStreamConnection, rawStreamSupport } from '../../protocol/raw-stream.ts';

/** Runs `fn` with XSTORM_SOCKET_IO set to `io` (undefined: unset). */
async function withIo<T>(io: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env['XSTORM_SOCKET_IO'];
  if (io === undefined) delete process.env['XSTORM_SOCKET_IO'];
  else process.env['XSTORM_SOCKET_IO'] = io;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env['XSTORM_SOCKET_IO'];
    else process.env['XSTORM_SOCKET_IO'] = saved;
  }
}

/** Connects a plain net client to `path`. */
function dial(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Waits until `cond()` holds; fails the test after 10 s instead of hanging. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Bytes 0..n-1 of a fixed pattern. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/**
 * A connection handler that answers every chunk with `factor` copies of it
 * through writeNow, records what it got and the largest writableLength it
 * saw, and ends the connection when it receives the byte 0xEE alone.
 */
function amplifier(factor: number) {
  const seen = { received: [] as Buffer[], maxBacklog: 0, closes: 0 };
  const onConnection = (conn: SocketServerConnection): void => {
    conn.onClose(() => seen.closes++);
    conn.onData((chunk) => {
      if (chunk.length === 1 && chunk[0] === 0xee) {
        conn.end();
        return;
      }
      seen.received.push(Buffer.from(chunk));
      for (let i = 0; i < factor; i++) conn.writeNow!(Buffer.from(chunk));
      seen.maxBacklog = Math.max(seen.maxBacklog, conn.writableLength);
    });
  };
  return { seen, onConnection };
}

/** A server on a fresh socket path and one plain client connected to it, both closed after the test. */
type Listen = (onConnection: (conn: SocketServerConnection) => void) => Promise<net.Socket>;

/**
 * Registers `body` once per I/O path (raw handle, and net.Socket through
 * XSTORM_SOCKET_IO=net); the raw one is skipped, saying why, where Node
 * offers no raw stream handles.
 */
function onBothPaths(name: string, body: (listen: Listen) => Promise<void>): void {
  for (const io of ['raw', 'net'] as const) {
    test(`${io} I/O: ${name}`, async (t) => {
      if (io === 'raw' && rawStreamSupport() !== undefined) {
        t.skip(`raw stream handles unavailable here: ${rawStreamSupport()}`);
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'xs-raw-'));
      const path = join(dir, 'socket');
      const listen: Listen = async (onConnection) => {
        const server = await withIo(io === 'net' ? 'net' : undefined, () => listenUnixSocket(path, (conn) => {
          assert.equal(conn instanceof RawStreamConnection, io === 'raw');
          onConnection(conn);
        }));
        const client = await dial(path);
        t.after(async () => {
          client.destroy();
          await server.close();
          rmSync(dir, { recursive: true, force: true });
        });
        return client;
      };
      await body(listen);
    });
  }
}

onBothPaths('every byte comes back in order under back-pressure, then end() flushes and closes', async (listen) => {
  const { seen, onConnection } = amplifier(64);
  const client = await listen(onConnection);
  client.pause(); // replies pile up in the kernel and then in the server's queue
  const sent: Buffer[] = [];
  for (let i = 0; i < 40; i++) {
    const b = pattern(4096, i);
    sent.push(b);
    client.write(b);
    await new Promise((r) => setTimeout(r, 1));
  }
  // The server could not hand everything to the kernel: it held bytes itself.
  await until(() => seen.maxBacklog > 0, 'the server to hold unsent bytes');
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  let ended = false;
  client.once('end', () => (ended = true));
  client.resume();
  const want = 40 * 4096 * 64;
  await until(() => got.reduce((n, b) => n + b.length, 0) >= want, 'every echoed byte');
  client.write(Buffer.from([0xee]));
  await until(() => ended, 'the end of the stream');
  const all = Buffer.concat(got);
  assert.equal(all.length, want);
  // The server got the client's bytes in order (however the kernel cut them)...
  assert.deepEqual(Buffer.concat(seen.received), Buffer.concat(sent));
  // ...and the client got each of those chunks 64 times, in order, nothing lost or reordered.
  assert.ok(all.equals(Buffer.concat(seen.received.flatMap((b) => Array.from({ length: 64 }, () => b)))));
  await until(() => seen.closes >= 1, 'the server-side close');
  assert.equal(seen.closes, 1);
});

onBothPaths('a server-side close fires onClose once and the client sees the end; pause stops reading', async (listen) => {
  const chunks: number[] = [];
  let conn: SocketServerConnection | undefined;
  let closes = 0;
  const client = await listen((c) => {
    conn = c;
    c.onClose(() => closes++);
    c.onData((chunk) => chunks.push(chunk.length));
  });
  await until(() => conn !== undefined, 'the connection');
  assert.ok(conn);
  conn.pause();
  client.write(Buffer.alloc(100));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(chunks, []); // paused: the bytes wait in the kernel
  conn.resume();
  await until(() => chunks.length > 0, 'data after resume');
  assert.equal(chunks.reduce((a, b) => a + b, 0), 100);
  let gone = false;
  client.once('close', () => (gone = true));
  conn.close();
  conn.close(); // idempotent
  await until(() => gone && closes >= 1, 'the close on both sides');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(closes, 1);
});
