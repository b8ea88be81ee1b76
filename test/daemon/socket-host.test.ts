/**
 * The socket host's batching (daemon/socket-host.ts): replies gathered per
 * connection and written once per batch must still arrive complete and in
 * request order, with watch events, for frames pipelined in one write and
 * frames cut across writes; other connections are served meanwhile.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, serveDaemonOnSocket } from '../../daemon/index.ts';
import { createEngine } from '../../engines/index.ts';
import { MessageDecoder, encodeFrame, encodePathValue, encodeStrings, splitStrings } from '../../protocol/codec.ts';
import { XsType } from '../../protocol/wire.ts';
import type { XsMessage } from '../../protocol/types.ts';
import { shortTempDir } from './servers.ts';
import { XsClient } from '../../protocol/client.ts';
import { connectUnixSocket } from '../../protocol/socket.ts';

/** A raw socket that collects decoded frames. */
async function rawClient(path: string): Promise<{ socket: net.Socket; frames: XsMessage[]; until(n: number): Promise<void> }> {
  const socket = net.createConnection({ path });
  await new Promise<void>((res) => socket.once('connect', () => res()));
  const decoder = new MessageDecoder();
  const frames: XsMessage[] = [];
  let waiter: (() => void) | undefined;
  socket.on('data', (chunk) => {
    decoder.push(chunk);
    for (let m = decoder.next(); m !== undefined; m = decoder.next()) frames.push(m);
    waiter?.();
  });
  return {
    socket,
    frames,
    until: (n) =>
      new Promise<void>((res) => {
        const check = (): void => {
          if (frames.length >= n) res();
        };
        waiter = check;
        check();
      }),
  };
}

describe('socket host batching', () => {
  it('answers pipelined and split frames in order, with watch events, on several connections', async () => {
    const dir = shortTempDir('host');
    const path = join(dir, 'socket');
    const daemon = new Daemon(createEngine('trie', {}));
    const server = await serveDaemonOnSocket(daemon, path);
    try {
      const a = await rawClient(path);
      const b = await rawClient(path);
      // b watches /w; a writes there: b gets the watch's first event, then one per write.
      b.socket.write(encodeFrame(XsType.WATCH, 7, 0, encodeStrings('/w', 'tok')));
      await b.until(2); // WATCH reply + initial event
      const writes = Array.from({ length: 20 }, (_, i) => encodeFrame(XsType.WRITE, 100 + i, 0, encodePathValue(`/w/k${i}`, `v${i}`)));
      const reads = Array.from({ length: 20 }, (_, i) => encodeFrame(XsType.READ, 200 + i, 0, encodeStrings(`/w/k${i}`)));
      a.socket.write(Buffer.concat([...writes, ...reads])); // 40 pipelined requests in one write
      const split = encodeFrame(XsType.READ, 300, 0, encodeStrings('/w/k3'));
      a.socket.write(split.subarray(0, 5));
      await new Promise((r) => setTimeout(r, 20));
      a.socket.write(split.subarray(5));
      await a.until(41);
      await b.until(22);
      assert.deepEqual(
        a.frames.map((m) => m.reqId),
        [...writes.map((_, i) => 100 + i), ...reads.map((_, i) => 200 + i), 300],
      );
      assert.deepEqual(
        a.frames.slice(20, 40).map((m) => splitStrings(m.payload)[0]),
        reads.map((_, i) => `v${i}`),
      );
      assert.equal(splitStrings(a.frames[40]!.payload)[0], 'v3');
      assert.deepEqual(b.frames[0]!.reqId, 7);
      assert.deepEqual(
        b.frames.slice(2).map((m) => [m.type, splitStrings(m.payload)[0]]),
        writes.map((_, i) => [XsType.WATCH_EVENT, `/w/k${i}`]),
      );
      a.socket.destroy();
      b.socket.destroy();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(daemon.stats().connections, 0);
    } finally {
      await server.close();
      daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 20,000 pipelined reads from one client (back-pressure, not a disconnect)', async () => {
    const dir = shortTempDir('pipe');
    const path = join(dir, 'socket');
    const daemon = new Daemon(createEngine('trie', {}));
    const server = await serveDaemonOnSocket(daemon, path);
    try {
      const c = new XsClient(await connectUnixSocket(path));
      await c.write('/p/k', 'v');
      const all = await Promise.all(Array.from({ length: 20_000 }, () => c.read('/p/k')));
      assert.equal(all.length, 20_000);
      assert.ok(all.every((v) => v === 'v'));
      assert.equal(daemon.stats().connectionsDropped, 0);
      c.close();
    } finally {
      await server.close();
      daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a raw client that writes 10,000 requests at once while a reader takes the replies', async () => {
    const dir = shortTempDir('raw');
    const path = join(dir, 'socket');
    const daemon = new Daemon(createEngine('trie', {}), { maxOutstandingRequests: 64 });
    const server = await serveDaemonOnSocket(daemon, path, { maxOutstandingRequests: 64 });
    try {
      const a = await rawClient(path);
      const n = 10_000;
      a.socket.write(Buffer.concat(Array.from({ length: n }, (_, i) => encodeFrame(XsType.READ, i + 1, 0, encodeStrings('/tool/xenstored')))));
      await a.until(n);
      assert.deepEqual(a.frames.map((m) => m.reqId), Array.from({ length: n }, (_, i) => i + 1));
      assert.equal(daemon.stats().connectionsDropped, 0);
      a.socket.destroy();
    } finally {
      await server.close();
      daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers the requests that came in the same chunk ahead of an oversize frame, then closes', async () => {
    const dir = shortTempDir('over');
    const path = join(dir, 'socket');
    const daemon = new Daemon(createEngine('trie', {}));
    const server = await serveDaemonOnSocket(daemon, path);
    try {
      const a = await rawClient(path);
      const closed = new Promise<void>((res) => a.socket.once('close', () => res()));
      const oversize = new Uint8Array(16);
      new DataView(oversize.buffer).setUint32(0, XsType.READ, true);
      new DataView(oversize.buffer).setUint32(4, 99, true);
      new DataView(oversize.buffer).setUint32(12, 5000, true);
      a.socket.write(Buffer.concat([
        encodeFrame(XsType.WRITE, 1, 0, encodePathValue('/o/k', 'v')),
        encodeFrame(XsType.READ, 2, 0, encodeStrings('/o/k')),
        oversize,
        encodeFrame(XsType.READ, 3, 0, encodeStrings('/o/k')), // after the broken frame: never read
      ]));
      await closed;
      assert.deepEqual(a.frames.map((m) => [m.reqId, splitStrings(m.payload)[0]]), [[1, 'OK'], [2, 'v']]);
      assert.equal(daemon.stats().connectionsDropped, 1);
    } finally {
      await server.close();
      daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
