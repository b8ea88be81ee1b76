import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { MessageDecoder, encodeFrame, encodeStrings, splitStrings } from '../../protocol/codec.ts';
import {
  RING_PAGE_SIZE,
  RingClientTransport,
  RingServerPort,
  createClientBell,
  createDaemonBell,
  createRingEndpoint,
  type RingEndpoint,
} from '../../protocol/ring.ts';
import { XsClient } from '../../protocol/client.ts';
import { XsType } from '../../protocol/wire.ts';
import type { XsMessage } from '../../protocol/types.ts';

const BOOTSTRAP = fileURLToPath(new URL('../../runner/worker-bootstrap.js', import.meta.url));
const ECHO = fileURLToPath(new URL('./fixtures/echo-daemon.ts', import.meta.url));

/** Word indices of the page (see protocol/ring.ts). */
const W = { reqCons: 512, reqProd: 513, rspCons: 514, rspProd: 515 };
const u32 = (ep: RingEndpoint, i: number): number => new Int32Array(ep.sab)[i]! >>> 0;

/** A deterministic byte pattern. */
function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function plain(m: XsMessage): unknown {
  return { type: m.type, reqId: m.reqId, txId: m.txId, payload: [...m.payload] };
}

/**
 * Runs an in-thread echo server over `port` (polled on a timer, as a test
 * stand-in for the daemon thread) until `stop()` is called.
 */
function echoServer(ep: RingEndpoint): { stop(): void; frames: () => number } {
  const port = new RingServerPort(ep);
  const dec = new MessageDecoder();
  let frames = 0;
  const timer = setInterval(() => {
    port.flush();
    for (let c = port.read(); c; c = port.read()) {
      dec.push(c);
      for (let m = dec.next(); m; m = dec.next()) {
        port.write(encodeFrame(m.type, m.reqId, m.txId, m.payload));
        frames++;
      }
    }
  }, 1);
  return { stop: () => clearInterval(timer), frames: () => frames };
}

test('page is a 4096-byte xenstore_domain_interface with the given start indices', () => {
  const ep = createRingEndpoint(createDaemonBell(), 0xffffff00);
  assert.equal(ep.sab.byteLength, RING_PAGE_SIZE);
  for (const i of Object.values(W)) assert.equal(u32(ep, i), 0xffffff00);
});

test('wrap-around across 2^32 with free-running indices; frames larger than the ring', async () => {
  const ep = createRingEndpoint(createDaemonBell(), 0xffffff00);
  const server = echoServer(ep);
  const client = new RingClientTransport(ep);
  const dec = new MessageDecoder();
  const got: XsMessage[] = [];
  const sent: XsMessage[] = [];
  // Sizes chosen so frames straddle the ring edge and exceed the free space.
  const sizes = [0, 1, 200, 1007, 1008, 1009, 3000, 4096, 17, 4096, 999];
  const done = new Promise<void>((resolve) => {
    client.onData((chunk) => {
      dec.push(chunk);
      for (let m = dec.next(); m; m = dec.next()) got.push(m);
      if (got.length === sizes.length) resolve();
    });
  });
  sizes.forEach((n, i) => {
    const m = { type: XsType.WRITE, reqId: i + 1, txId: 0xfffffff0 + i, payload: pattern(n, i) };
    sent.push(m);
    client.send(encodeFrame(m.type, m.reqId, m.txId, m.payload));
  });
  assert.ok(client.backlog > 0, 'frames beyond the free space wait in the backlog');
  await done;
  server.stop();
  client.close();
  assert.deepEqual(got.map(plain), sent.map(plain));
  const total = sizes.reduce((a, n) => a + n + 16, 0);
  const end = (0xffffff00 + total) >>> 0;
  assert.ok(end < 0xffffff00, 'indices wrapped past 2^32');
  for (const i of Object.values(W)) assert.equal(u32(ep, i), end);
});

test('a partial frame across the ring edge is reassembled by the decoder', () => {
  // Raw server-side view: start 8 bytes before the edge, feed the request ring by hand.
  const ep = createRingEndpoint(createDaemonBell(), 1016);
  const page = new Uint8Array(ep.sab);
  const words = new Int32Array(ep.sab);
  const frame = encodeFrame(XsType.READ, 5, 0, encodeStrings('/local/domain/7/name'));
  const write = (from: number, to: number): void => {
    for (let i = from; i < to; i++) page[(1016 + i) & 1023] = frame[i]!;
    Atomics.store(words, W.reqProd, 1016 + to);
  };
  const port = new RingServerPort(ep);
  const dec = new MessageDecoder();
  write(0, 11); // header split: 8 bytes before the edge, 3 after
  dec.push(port.read()!);
  assert.equal(dec.next(), undefined);
  assert.equal(port.read(), undefined);
  write(11, frame.length);
  dec.push(port.read()!);
  const m = dec.next()!;
  assert.equal(m.reqId, 5);
  assert.deepEqual(splitStrings(m.payload), ['/local/domain/7/name']);
  assert.equal(u32(ep, W.reqCons), 1016 + frame.length);
});

test('server backlog: write() queues what does not fit; flush() writes it as space frees up', () => {
  const bell = createDaemonBell();
  const ep = createRingEndpoint(bell, 0xfffffc00);
  const words = new Int32Array(ep.sab);
  const page = new Uint8Array(ep.sab);
  const port = new RingServerPort(ep);
  const frame = encodeFrame(XsType.DIRECTORY, 1, 0, pattern(2500, 3));
  port.write(frame);
  assert.equal(port.backlog, frame.length - 1024);
  const received: number[] = [];
  // Act as the guest: consume everything, then let the daemon flush.
  while (received.length < frame.length) {
    const prod = u32(ep, W.rspProd);
    for (let i = u32(ep, W.rspCons); i !== prod; i = (i + 1) >>> 0) received.push(page[1024 + (i & 1023)]!);
    Atomics.store(words, W.rspCons, prod);
    port.flush();
  }
  assert.equal(port.backlog, 0);
  assert.deepEqual(received, [...frame]);
});

test('the guest rings the daemon bell on send and when it frees response space the daemon waits for', async (t) => {
  const bell = createDaemonBell();
  const bellWord = new Int32Array(bell);
  const ep = createRingEndpoint(bell);
  const client = new RingClientTransport(ep);
  t.after(() => client.close()); // an open ring transport keeps the process alive
  const port = new RingServerPort(ep);
  let received = 0;
  client.onData((c) => (received += c.length));
  client.send(encodeFrame(XsType.READ, 1, 0, encodeStrings('/a')));
  client.send(encodeFrame(XsType.READ, 2, 0, encodeStrings('/b')));
  assert.equal(Atomics.load(bellWord, 0), 0, 'the bell rings once per tick, not per send');
  await Promise.resolve();
  assert.equal(Atomics.load(bellWord, 0), 1, 'the first bell of a turn rings in a microtask');
  client.send(encodeFrame(XsType.READ, 3, 0, encodeStrings('/c')));
  await Promise.resolve();
  assert.equal(Atomics.load(bellWord, 0), 1, 'later bells of the same turn wait for setImmediate');
  await new Promise((r) => setImmediate(r));
  assert.equal(Atomics.load(bellWord, 0), 2);
  assert.equal(port.read()!.length, 57);
  port.write(new Uint8Array(3000)); // daemon now waits for response space
  const before = Atomics.load(bellWord, 0);
  while (received < 3000) {
    await new Promise((r) => setTimeout(r, 1));
    port.flush();
  }
  assert.ok(Atomics.load(bellWord, 0) > before, 'guest rang the daemon bell after consuming');
  assert.equal(port.backlog, 0);
  client.close();
  assert.equal(port.clientClosed, true);
});

test('daemon close ends the guest transport after it read what was written', async () => {
  const ep = createRingEndpoint(createDaemonBell());
  const client = new RingClientTransport(ep);
  const port = new RingServerPort(ep);
  let got = 0;
  client.onData((c) => (got += c.length));
  const closed = new Promise<Error | undefined>((resolve) => client.onClose(resolve));
  port.write(new Uint8Array(100));
  port.close();
  const err = await closed;
  assert.equal(got, 100);
  assert.match(String(err), /closed by the daemon/);
  assert.throws(() => client.send(new Uint8Array(16)));
});

test('rings between two threads: XsClients in this thread, echo daemon in a worker', async () => {
  const bell = createDaemonBell();
  const endpoints = [createRingEndpoint(bell), createRingEndpoint(bell, 0xffffff80), createRingEndpoint(bell)];
  const worker = new Worker(BOOTSTRAP, { workerData: { __module: ECHO, endpoints } });
  const result = new Promise<{ frames: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const clients = endpoints.map((e) => new XsClient(new RingClientTransport(e)));
  const N = 300;
  const results = await Promise.all(
    clients.map(async (c, ci) => {
      const out: string[] = [];
      // Pipelined batches of 10 requests, of varying sizes.
      for (let i = 0; i < N; i += 10) {
        const batch = [];
        for (let j = i; j < i + 10; j++) batch.push(c.read(`/c${ci}/${'x'.repeat(j % 200)}${j}`));
        out.push(...(await Promise.all(batch)));
      }
      return out;
    }),
  );
  for (const c of clients) c.close();
  const { frames } = await result;
  assert.equal(frames, 3 * N);
  results.forEach((out, ci) => {
    assert.equal(out.length, N);
    out.forEach((v, j) => assert.equal(v, `/c${ci}/${'x'.repeat(j % 200)}${j}\0`));
  });
});

test('property: any frame sizes at any start index arrive byte-exact in both directions', async () => {
  const fc = (await import('fast-check')).default;
  fc.assert(
    fc.property(
      fc.nat({ max: 0xffffffff }),
      fc.array(fc.integer({ min: 0, max: 2100 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 12 }),
      (start, sizes, reads) => {
        const ep = createRingEndpoint(createDaemonBell(), start);
        const client = new RingClientTransport(ep);
        const port = new RingServerPort(ep);
        const frames = sizes.map((n, i) => pattern(n, i + start));
        const expected = frames.flatMap((f) => [...f]);
        // guest → daemon: the daemon reads whenever it likes; an empty send
        // makes the guest write its backlog into the freed space at once.
        const up: number[] = [];
        for (const f of frames) client.send(f);
        while (up.length < expected.length) {
          for (let c = port.read(); c; c = port.read()) up.push(...c);
          client.send(new Uint8Array(0));
        }
        assert.deepEqual(up, expected);
        // daemon → guest: the guest consumes a random number of bytes at a time.
        const words = new Int32Array(ep.sab);
        const page = new Uint8Array(ep.sab);
        const down: number[] = [];
        for (const f of frames) port.write(f);
        let r = 0;
        while (down.length < expected.length) {
          const prod = u32(ep, W.rspProd);
          let cons = u32(ep, W.rspCons);
          for (let k = reads[r++ % reads.length]!; k > 0 && cons !== prod; k--, cons = (cons + 1) >>> 0) {
            down.push(page[1024 + (cons & 1023)]!);
          }
          Atomics.store(words, W.rspCons, cons);
          port.flush();
        }
        assert.deepEqual(down, expected);
        client.close();
      },
    ),
    { seed: 99, numRuns: 60 },
  );
});

test('rings between two worker threads: guest worker and echo daemon worker', async () => {
  const bell = createDaemonBell();
  const endpoints = [createRingEndpoint(bell, 0xfffffff0), createRingEndpoint(bell)];
  const CLIENT = fileURLToPath(new URL('./fixtures/ring-client.ts', import.meta.url));
  const run = (module: string, data: object): Promise<unknown> => {
    const w = new Worker(BOOTSTRAP, { workerData: { __module: module, ...data } });
    return new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  };
  const daemon = run(ECHO, { endpoints });
  const replies = (await run(CLIENT, { endpoints, count: 200 })) as string[][];
  assert.deepEqual(await daemon, { frames: 400 });
  assert.deepEqual(replies, [0, 1].map((i) => Array.from({ length: 200 }, (_, j) => `/g${i}/${j}\0`)));
});

test('rings sharing one client bell: the daemon rings it once per turn, every ring of the thread gets its replies', async () => {
  const daemonBell = createDaemonBell();
  const clientBell = createClientBell();
  const bellWord = new Int32Array(clientBell);
  const eps = [0, 1, 2].map(() => createRingEndpoint(daemonBell, 0, clientBell));
  const ports = eps.map((ep) => new RingServerPort(ep, { deferBells: true }));
  const got: string[][] = [[], [], []];
  const clients = eps.map((ep, i) => {
    const t = new RingClientTransport(ep);
    const d = new MessageDecoder();
    t.onData((chunk) => {
      d.push(chunk);
      for (let m = d.next(); m; m = d.next()) got[i]!.push(splitStrings(m.payload)[0]!);
    });
    return t;
  });
  // Each client sends one request; the "daemon" answers all of them, then rings once.
  clients.forEach((t, i) => t.send(encodeFrame(XsType.READ, i + 1, 0, encodeStrings(`/r${i}`))));
  await new Promise((r) => setImmediate(r));
  const before = Atomics.load(bellWord, 0);
  ports.forEach((p, i) => {
    assert.ok(p.read() !== undefined);
    p.write(encodeFrame(XsType.READ, i + 1, 0, encodeStrings(`reply${i}`)));
  });
  assert.equal(Atomics.load(bellWord, 0), before); // deferred: nothing rung yet
  for (const p of ports) p.ringBellIfDue();
  assert.equal(Atomics.load(bellWord, 0), before + 3); // one ring per port; only the first finds the thread waiting
  for (let i = 0; i < 50 && got.some((g) => g.length === 0); i++) await new Promise((r) => setTimeout(r, 2));
  assert.deepEqual(got, [['reply0'], ['reply1'], ['reply2']]);
  // A daemon-side close still reaches the right client through the shared bell.
  const closed = new Promise<Error | undefined>((res) => clients[1]!.onClose((e) => res(e)));
  ports[1]!.close();
  assert.match(String((await closed)?.message), /closed by the daemon/);
  clients[0]!.close();
  clients[2]!.close();
});
