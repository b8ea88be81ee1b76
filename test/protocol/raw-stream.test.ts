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
 * A server that answers every chunk with `factor` copies of it through
 * writeNow, records the largest writableLength it saw, and ends the
 * connection when it receives the byte 0xEE alone.
 */
async function amplifier(path: string, factor: number) {
  const seen = { conns: [] as SocketServerConnection[], received: [] as Buffer[], maxBacklog: 0, closes: 0 };
  const server = await listenUnixSocket(path, (conn) => {
    seen.conns.push(conn);
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
  });
  return { server, seen };
}

for (const io of ['raw', 'net'] as const) {
  test(`${io} I/O: every byte comes back in order under back-pressure, then end() flushes and closes`, async (t) => {
    if (io === 'raw' && rawStreamSupport() !== undefined) {
      t.skip(`raw stream handles unavailable here: ${rawStreamSupport()}`);
      return;
    }
    await withIo(io === 'net' ? 'net' : undefined, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'xs-raw-'));
      const path = join(dir, 'socket');
      const { server, seen } = await amplifier(path, 64);
      const client = await dial(path);
      t.after(async () => {
        client.destroy();
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      });
      client.pause(); // replies pile up in the kernel and then in the server's queue
      const sent: Buffer[] = [];
      for (let i = 0; i < 40; i++) {
        const b = pattern(4096, i);
        sent.push(b);
        client.write(b);
        await new Promise((r) => setTimeout(r, 1));
      }
      await until(() => seen.maxBacklog > 0, 'the server to hold unsent bytes');
      assert.equal(seen.conns[0] instanceof RawStreamConnection, io === 'raw');
      // The server could not hand everything to the kernel: it held bytes itself.
      assert.ok(seen.maxBacklog > 0);
      const got: Buffer[] = [];
      client.on('data', (d: Buffer) => got.push(d));
      let ended = false;
      client.once('end', () => (ended = true));
      client.resume();
      // Everything sent was received (TCP-like chunking aside) before the end marker.
      const want = 40 * 4096 * 64;
      await until(() => got.reduce((n, b) => n + b.length, 0) >= want, 'every echoed byte');
      client.write(Buffer.from([0xee]));
      await until(() => ended, 'the end of the stream');
      const all = Buffer.concat(got);
      // The server got the client's bytes in order (however the kernel cut them)...
      assert.deepEqual(Buffer.concat(seen.received), Buffer.concat(sent));
      // ...and the client got each of those chunks 64 times, in order, nothing lost or reordered.
      assert.ok(all.equals(Buffer.concat(seen.received.flatMap((b) => Array.from({ length: 64 }, () => b)))));
      await until(() => seen.closes >= 1, 'the server-side close');
      assert.equal(seen.closes, 1);
    });
  });

  test(`${io} I/O: a server-side close fires onClose once and the client sees the end; pause stops reading`, async (t) => {
    if (io === 'raw' && rawStreamSupport() !== undefined) {
      t.skip(`raw stream handles unavailable here: ${rawStreamSupport()}`);
      return;
    }
    await withIo(io === 'net' ? 'net' : undefined, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'xs-raw-'));
      const path = join(dir, 'socket');
      const chunks: number[] = [];
      let conn: SocketServerConnection | undefined;
      let closes = 0;
      const server = await listenUnixSocket(path, (c) => {
        conn = c;
        c.onClose(() => closes++);
        c.onData((chunk) => chunks.push(chunk.length));
      });
      const client = await dial(path);
      t.after(async () => {
        client.destroy();
        await server.close();
        rmSync(dir, { recursive: true, force: true });
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
      const gone = new Promise<void>((r) => client.once('close', () => r()));
      conn.close();
      conn.close(); // idempotent
      await gone;
      await until(() => closes >= 1, 'onClose');
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(closes, 1);
    });
  });
}
