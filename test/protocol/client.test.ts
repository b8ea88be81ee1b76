import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MessageDecoder,
  encodeFrame,
  encodeStrings,
  errorPayload,
  latin1ToBytes,
  okPayload,
  splitStrings,
  watchEventPayload,
  bytesToLatin1,
} from '../../protocol/codec.ts';
import { XsClient } from '../../protocol/client.ts';
import { createPipe } from '../../protocol/pipe.ts';
import type { SocketServerConnection } from '../../protocol/socket.ts';
import type { Clock, XsMessage } from '../../protocol/types.ts';
import { XsType } from '../../protocol/wire.ts';
import { XsError } from '../../engines/common/errors.ts';

/** A scripted fake daemon: the test pulls each request and answers it by hand. */
class FakeDaemon {
  readonly #conn: SocketServerConnection;
  readonly #dec = new MessageDecoder();
  readonly #queue: XsMessage[] = [];
  #waiter: ((m: XsMessage) => void) | undefined;
  /** Every request seen, in order. */
  readonly log: XsMessage[] = [];

  constructor(conn: SocketServerConnection) {
    this.#conn = conn;
    conn.onData((chunk) => {
      this.#dec.push(chunk);
      for (let m = this.#dec.next(); m; m = this.#dec.next()) {
        this.log.push(m);
        if (this.#waiter) {
          const w = this.#waiter;
          this.#waiter = undefined;
          w(m);
        } else this.#queue.push(m);
      }
    });
  }

  /** The next request the client sent. */
  next(): Promise<XsMessage> {
    const m = this.#queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  reply(to: XsMessage, payload: Uint8Array | string, type: number = to.type): void {
    const p = typeof payload === 'string' ? latin1ToBytes(payload) : payload;
    this.#conn.write(encodeFrame(type, to.reqId, to.txId, p));
  }

  ok(to: XsMessage): void {
    this.reply(to, okPayload);
  }

  error(to: XsMessage, errno: string): void {
    this.reply(to, errorPayload(errno), XsType.ERROR);
  }

  event(path: string, token: string): void {
    this.#conn.write(encodeFrame(XsType.WATCH_EVENT, 0, 0, watchEventPayload(path, token)));
  }

  raw(bytes: Uint8Array): void {
    this.#conn.write(bytes);
  }
}

/** A manual clock: `now` advances only by `sleep`; records every sleep. */
class FakeClock implements Clock {
  t = 1000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
}

function setup(options: ConstructorParameters<typeof XsClient>[1] = {}): { client: XsClient; d: FakeDaemon } {
  const { client, server } = createPipe();
  return { client: new XsClient(client, options), d: new FakeDaemon(server) };
}

const args = (m: XsMessage): string[] => splitStrings(m.payload);
const text = (m: XsMessage): string => bytesToLatin1(m.payload);

test('every operation sends the right frame and parses its reply', async () => {
  const { client, d } = setup();
  const cases: [() => Promise<unknown>, number, string, string | Uint8Array, unknown][] = [
    [() => client.read('/a', 3), XsType.READ, '/a\0', 'v\xff\0x', 'v\xff\0x'],
    [() => client.write('/a', 'v\0\xff'), XsType.WRITE, '/a\0v\0\xff', okPayload, undefined],
    [() => client.mkdir('/m'), XsType.MKDIR, '/m\0', okPayload, undefined],
    [() => client.rm('/m'), XsType.RM, '/m\0', okPayload, undefined],
    [() => client.directory('/'), XsType.DIRECTORY, '/\0', 'local\0tool\0', ['local', 'tool']],
    [() => client.directory('/e'), XsType.DIRECTORY, '/e\0', '', []],
    [() => client.getPerms('/a'), XsType.GET_PERMS, '/a\0', 'n0\0r5\0', ['n0', 'r5']],
    [() => client.setPerms('/a', ['b1', 'r2']), XsType.SET_PERMS, '/a\0b1\0r2\0', okPayload, undefined],
    [() => client.watch('/w', 'tk'), XsType.WATCH, '/w\0tk\0', okPayload, undefined],
    [() => client.unwatch('/w', 'tk'), XsType.UNWATCH, '/w\0tk\0', okPayload, undefined],
    [() => client.transactionStart(), XsType.TRANSACTION_START, '\0', '42\0', 42],
    [() => client.transactionEnd(42, true), XsType.TRANSACTION_END, 'T\0', okPayload, undefined],
    [() => client.transactionEnd(42, false), XsType.TRANSACTION_END, 'F\0', okPayload, undefined],
    [() => client.introduce(5, 1234, 7), XsType.INTRODUCE, '5\x001234\x007\0', okPayload, undefined],
    [() => client.release(5), XsType.RELEASE, '5\0', okPayload, undefined],
    [() => client.getDomainPath(5), XsType.GET_DOMAIN_PATH, '5\0', '/local/domain/5\0', '/local/domain/5'],
    [() => client.isDomainIntroduced(5), XsType.IS_DOMAIN_INTRODUCED, '5\0', 'T\0', true],
    [() => client.isDomainIntroduced(6), XsType.IS_DOMAIN_INTRODUCED, '6\0', 'F\0', false],
    [() => client.resetWatches(), XsType.RESET_WATCHES, '\0', okPayload, undefined],
  ];
  for (const [call, type, payload, reply, expected] of cases) {
    const p = call();
    const m = await d.next();
    assert.equal(m.type, type);
    assert.equal(text(m), payload);
    d.reply(m, reply);
    assert.deepEqual(await p, expected);
  }
  assert.equal(d.log[0]!.txId, 3);
  assert.equal(d.log.find((m) => m.type === XsType.TRANSACTION_END)!.txId, 42);
  const ids = d.log.map((m) => m.reqId);
  assert.equal(new Set(ids).size, ids.length, 'req_ids are unique');
  client.close();
});

test('replies are matched by req_id, in any order; watch events interleave', async () => {
  const { client, d } = setup();
  const events: string[] = [];
  client.onWatchEvent((path, token) => events.push(`${path}|${token}`));
  const ps = [client.read('/0'), client.read('/1'), client.read('/2'), client.read('/3')];
  const ms = [await d.next(), await d.next(), await d.next(), await d.next()];
  d.event('/x', 't1');
  d.reply(ms[2]!, 'two');
  d.reply(ms[0]!, 'zero');
  d.event('/y', 't2');
  d.reply(ms[3]!, 'three');
  d.error(ms[1]!, 'ENOENT');
  const settled = await Promise.allSettled(ps);
  assert.deepEqual(
    settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as XsError).code)),
    ['zero', 'ENOENT', 'two', 'three'],
  );
  assert.deepEqual(events, ['/x|t1', '/y|t2']);
  assert.equal(client.pending, 0);
  client.close();
});

test('ERROR replies reject with XsError; unknown errno names become EIO; observer sees every request', async () => {
  const clock = new FakeClock();
  const seen: [number, number, number, string | undefined][] = [];
  const { client, d } = setup({ clock, observer: { onRequest: (t, s, e, err) => seen.push([t, s, e, err]) } });
  const p1 = client.write('/a', 'x');
  d.error(await d.next(), 'EACCES');
  await assert.rejects(p1, (e: unknown) => e instanceof XsError && e.code === 'EACCES');
  const p2 = client.read('/a');
  d.error(await d.next(), 'EWEIRD');
  await assert.rejects(p2, (e: unknown) => e instanceof XsError && e.code === 'EIO' && /EWEIRD/.test(e.message));
  const p3 = client.read('/a');
  d.reply(await d.next(), 'ok');
  assert.equal(await p3, 'ok');
  assert.deepEqual(seen, [
    [XsType.WRITE, 1000, 1000, 'EACCES'],
    [XsType.READ, 1000, 1000, 'EWEIRD'],
    [XsType.READ, 1000, 1000, undefined],
  ]);
  client.close();
});

test('transaction: EAGAIN at commit starts over (immediate); onTransaction once per logical transaction', async () => {
  const clock = new FakeClock();
  const txs: [number, number, number, boolean][] = [];
  const { client, d } = setup({ clock, observer: { onTransaction: (a, s, e, c) => txs.push([a, s, e, c]) } });
  let runs = 0;
  const p = client.transaction(async (tx) => {
    runs++;
    const v = await tx.read('/k');
    await tx.write('/k', String(Number(v) + 1));
    return v;
  });
  for (let attempt = 1; attempt <= 3; attempt++) {
    const start = await d.next();
    assert.equal(start.type, XsType.TRANSACTION_START);
    d.reply(start, `${10 + attempt}\0`);
    const rd = await d.next();
    assert.deepEqual([rd.type, rd.txId, args(rd)], [XsType.READ, 10 + attempt, ['/k']]);
    d.reply(rd, String(attempt));
    const wr = await d.next();
    assert.deepEqual([wr.type, wr.txId, text(wr)], [XsType.WRITE, 10 + attempt, `/k\0${attempt + 1}`]);
    d.ok(wr);
    const end = await d.next();
    assert.deepEqual([end.type, end.txId, text(end)], [XsType.TRANSACTION_END, 10 + attempt, 'T\0']);
    if (attempt < 3) d.error(end, 'EAGAIN');
    else d.ok(end);
  }
  assert.deepEqual(await p, { value: '3', attempts: 3 });
  assert.equal(runs, 3);
  assert.deepEqual(txs, [[3, 1000, 1000, true]]);
  assert.deepEqual(clock.sleeps, []);
  client.close();
});

test('transaction: EAGAIN from an op aborts (END F) and starts over', async () => {
  const { client, d } = setup();
  const p = client.transaction((tx) => tx.read('/k'));
  const s1 = await d.next();
  d.reply(s1, '1\0');
  d.error(await d.next(), 'EAGAIN');
  const abort = await d.next();
  assert.deepEqual([abort.type, abort.txId, text(abort)], [XsType.TRANSACTION_END, 1, 'F\0']);
  d.error(abort, 'ENOENT'); // errors of the abort are ignored
  d.reply(await d.next(), '2\0');
  d.reply(await d.next(), 'val');
  const commit = await d.next();
  assert.deepEqual([commit.txId, text(commit)], [2, 'T\0']);
  d.ok(commit);
  assert.deepEqual(await p, { value: 'val', attempts: 2 });
  client.close();
});

test('transaction: a non-EAGAIN error aborts and rethrows; a thrown error in fn too', async () => {
  const txs: [number, boolean][] = [];
  const { client, d } = setup({ observer: { onTransaction: (a, _s, _e, c) => txs.push([a, c]) } });
  const p = client.transaction((tx) => tx.read('/missing'));
  d.reply(await d.next(), '7\0');
  d.error(await d.next(), 'ENOENT');
  const abort = await d.next();
  assert.deepEqual([abort.txId, text(abort)], [7, 'F\0']);
  d.ok(abort);
  await assert.rejects(p, (e: unknown) => e instanceof XsError && e.code === 'ENOENT');

  const boom = new Error('scenario bug');
  const p2 = client.transaction(async () => {
    throw boom;
  });
  d.reply(await d.next(), '8\0');
  const abort2 = await d.next();
  assert.deepEqual([abort2.txId, text(abort2)], [8, 'F\0']);
  d.ok(abort2);
  await assert.rejects(p2, (e: unknown) => e === boom);
  assert.deepEqual(txs, [[1, false], [1, false]]);
  client.close();
});

test('transaction: backoff with full jitter on the injected clock and random; maxAttempts gives up', async () => {
  const clock = new FakeClock();
  const txs: [number, number, number, boolean][] = [];
  const randoms = [0.5, 0.25, 1 - 2 ** -53, 0.5];
  const { client, d } = setup({
    clock,
    random: () => randoms.shift()!,
    retry: { kind: 'backoff', initialMs: 10, maxMs: 25, factor: 2 },
    observer: { onTransaction: (a, s, e, c) => txs.push([a, s, e, c]) },
  });
  const p = client.transaction(async () => 'v', { maxAttempts: 4 });
  for (let attempt = 1; attempt <= 4; attempt++) {
    d.reply(await d.next(), `${attempt}\0`);
    d.error(await d.next(), 'EAGAIN');
  }
  await assert.rejects(p, (e: unknown) => e instanceof XsError && e.code === 'EAGAIN');
  // caps: 10, 20, 25 (max); jittered by 0.5, 0.25, ~1; no sleep after the last attempt.
  assert.equal(clock.sleeps.length, 3);
  assert.deepEqual(clock.sleeps.slice(0, 2), [5, 5]);
  assert.ok(Math.abs(clock.sleeps[2]! - 25) < 1e-9);
  assert.equal(txs.length, 1);
  assert.deepEqual([txs[0]![0], txs[0]![1], txs[0]![3]], [4, 1000, false]);
  assert.ok(Math.abs(txs[0]![2] - 1035) < 1e-9);

  // Per-call policy overrides the client's: immediate, no sleeps.
  const p2 = client.transaction(async () => 'w', { retry: { kind: 'immediate' } });
  d.reply(await d.next(), '9\0');
  d.error(await d.next(), 'EAGAIN');
  d.reply(await d.next(), '10\0');
  d.ok(await d.next());
  assert.deepEqual(await p2, { value: 'w', attempts: 2 });
  assert.equal(clock.sleeps.length, 3);
  client.close();
});

test('transport close rejects all pending requests and later calls', async () => {
  const { client, server } = createPipe();
  const c = new XsClient(client);
  const d = new FakeDaemon(server);
  const p = [c.read('/a'), c.read('/b')];
  await d.next();
  server.close();
  for (const r of await Promise.allSettled(p)) {
    assert.equal(r.status, 'rejected');
    assert.ok(r.reason instanceof XsError && r.reason.code === 'EIO');
  }
  await assert.rejects(c.read('/c'), (e: unknown) => e instanceof XsError && e.code === 'EIO');
});

test('a bad frame from the daemon (len > 4096) closes the client and rejects pending', async () => {
  const { client, d } = setup();
  const p = client.read('/a');
  await d.next();
  d.raw(Uint8Array.from([2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0]));
  await assert.rejects(p, (e: unknown) => e instanceof XsError && e.code === 'EIO' && /bad frame/.test(e.message));
});

test('client-side strictness: oversize payloads reject without sending', async () => {
  const { client, d } = setup();
  await assert.rejects(client.write('/a', 'x'.repeat(5000)), /exceeds 4096/);
  const p = client.read('/b');
  const m = await d.next();
  assert.equal(d.log.length, 1);
  d.reply(m, 'b');
  assert.equal(await p, 'b');
  assert.deepEqual(encodeStrings('x').length, 2);
  client.close();
});
