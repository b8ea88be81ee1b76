/**
 * The simulated transport moves messages whole and prices the size of the
 * frame that would carry each one (`frameLength`). These tests hold that
 * path to the byte path: the same client calls on the same daemon give the
 * same messages both ways, every frame is as long as `frameLength` says,
 * and a payload too big for a frame is refused alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../daemon/index.ts';
import { createEngine } from '../../engines/index.ts';
import { XsClient } from '../../protocol/client.ts';
import type { MessageTransport } from '../../protocol/client.ts';
import { MessageDecoder, ProtocolError, encodeFrame, encodeStrings, frameLength } from '../../protocol/codec.ts';
import type { ClientTransport, XsMessage } from '../../protocol/types.ts';
import { XENSTORE_PAYLOAD_MAX, XsType } from '../../protocol/wire.ts';

/** A message as the tests compare it (payload as numbers). */
interface Seen {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly payload: number[];
}

function seen(m: XsMessage): Seen {
  return { type: m.type, reqId: m.reqId, txId: m.txId, payload: [...m.payload] };
}

/** What one side of the comparison recorded: messages each way, in order. */
interface Traffic {
  readonly up: Seen[];
  readonly down: Seen[];
}

/** Serves every queued request now (the daemon answers synchronously, into its sink). */
function serveAll(daemon: Daemon): void {
  while (daemon.processNext() !== undefined);
}

/** A byte transport to `daemon`; records the frames (checking each one's length) decoded. */
function byteClient(daemon: Daemon, domid: number, traffic: Traffic): XsClient {
  let listener: ((chunk: Uint8Array) => void) | undefined;
  const record = (frame: Uint8Array, into: Seen[]): void => {
    const decoder = new MessageDecoder();
    decoder.push(frame);
    const m = decoder.next()!;
    assert.equal(decoder.buffered, 0, 'one frame per chunk');
    assert.equal(frame.length, frameLength(m.payload.length), 'frame length');
    into.push(seen(m));
  };
  const conn = daemon.connect(domid, (frame) => {
    record(frame, traffic.down);
    queueMicrotask(() => listener?.(frame));
  });
  const transport: ClientTransport = {
    send(frame) {
      record(frame, traffic.up);
      conn.receive(frame);
      serveAll(daemon);
    },
    onData: (l) => void (listener = l),
    onClose: () => {},
    close: () => conn.close(),
  };
  return new XsClient(transport);
}

/** A message transport to `daemon`; records the messages. */
function messageClient(daemon: Daemon, domid: number, traffic: Traffic): XsClient {
  let listener: ((type: number, reqId: number, txId: number, payload: Uint8Array) => void) | undefined;
  const conn = daemon.connect(domid, {
    messages: (type, reqId, txId, payload) => {
      traffic.down.push(seen({ type, reqId, txId, payload }));
      queueMicrotask(() => listener?.(type, reqId, txId, payload));
    },
  });
  const transport: MessageTransport = {
    sendMessage(type, reqId, txId, payload) {
      traffic.up.push(seen({ type, reqId, txId, payload }));
      conn.receiveMessage({ type, reqId, txId, payload });
      serveAll(daemon);
    },
    onMessage: (l) => void (listener = l),
    onClose: () => {},
    close: () => conn.close(),
  };
  return new XsClient(transport);
}

/** Every request type, successes, error replies and watch events; returns each call's outcome. */
async function script(dom0: XsClient, guest: XsClient): Promise<unknown[]> {
  const out: unknown[] = [];
  const call = async (p: Promise<unknown>): Promise<void> => {
    try {
      const v = await p;
      out.push(v instanceof Uint8Array ? [...v] : v);
    } catch (e) {
      out.push(e instanceof ProtocolError ? `ProtocolError ${e.reason}` : `${(e as Error).name} ${(e as { code?: string }).code ?? (e as Error).message}`);
    }
  };
  const events: string[] = [];
  dom0.onWatchEvent((path, token) => events.push(`${path} ${token}`));
  guest.onWatchEvent((path, token) => events.push(`guest ${path} ${token}`));
  await call(dom0.introduce(3, 1234, 5));
  await call(dom0.isDomainIntroduced(3));
  await call(dom0.getDomainPath(3));
  await call(dom0.watch('/a', 'tok'));
  await call(dom0.watch('@releaseDomain', 'rel'));
  await call(dom0.write('/a/b', 'value\u00ff'));
  await call(dom0.mkdir('/a/c'));
  await call(dom0.read('/a/b'));
  await call(dom0.read('/missing'));
  await call(dom0.directory('/a'));
  await call(dom0.getPerms('/a/b'));
  await call(dom0.setPerms('/a/b', ['n0', 'r3']));
  await call(dom0.mkdir('/local/domain/3'));
  await call(dom0.setPerms('/local/domain/3', ['n3']));
  await call(guest.watch('data', 'g'));
  await call(guest.write('data/x', ''));
  await call(guest.read('/a/b'));
  await call(guest.write('/a/b', 'denied'));
  await call(guest.transaction(async (tx) => {
    await tx.write('data/y', 'y'.repeat(300));
    return tx.read('data/y');
  }));
  const tx = await dom0.transactionStart();
  out.push(tx);
  await call(dom0.write('/a/t', 't', tx));
  await call(dom0.transactionEnd(tx, false));
  await call(dom0.rm('/a/c'));
  await call(dom0.unwatch('/a', 'tok'));
  await call(dom0.unwatch('/a', 'tok'));
  await call(dom0.request(XsType.DIRECTORY_PART, 0, encodeStrings('/a', '0')));
  await call(dom0.request(XsType.CONTROL, 0, encodeStrings('print', 'x')));
  await call(dom0.request(99, 0, encodeStrings('x')));
  await call(dom0.read('/a/b', 77));
  await call(dom0.write('/big', 'v'.repeat(XENSTORE_PAYLOAD_MAX)));
  await call(dom0.release(3));
  await call(guest.resetWatches());
  out.push(events);
  return out;
}

async function run(make: (daemon: Daemon, domid: number, traffic: Traffic) => XsClient): Promise<{ outcomes: unknown[]; traffic: Traffic }> {
  const daemon = new Daemon(createEngine('trie'));
  const traffic: Traffic = { up: [], down: [] };
  const dom0 = make(daemon, 0, traffic);
  const guest = make(daemon, 3, traffic);
  const outcomes = await script(dom0, guest);
  dom0.close();
  guest.close();
  daemon.close();
  return { outcomes, traffic };
}

test('frameLength is the length encodeFrame gives, for every payload length, and both refuse past 4096 bytes', () => {
  for (let n = 0; n <= XENSTORE_PAYLOAD_MAX; n++) {
    assert.equal(frameLength(n), encodeFrame(XsType.READ, 1, 2, new Uint8Array(n)).length);
  }
  const over = XENSTORE_PAYLOAD_MAX + 1;
  assert.throws(() => frameLength(over), (e: unknown) => e instanceof ProtocolError && e.reason === 'oversize');
  assert.throws(() => encodeFrame(XsType.READ, 1, 2, new Uint8Array(over)), (e: unknown) => e instanceof ProtocolError && e.reason === 'oversize');
});

test('messages moved whole are the messages the frames carry, both ways, for every request type, error and watch event', async () => {
  const bytes = await run(byteClient);
  const messages = await run(messageClient);
  assert.deepEqual(messages.outcomes, bytes.outcomes);
  assert.deepEqual(messages.traffic, bytes.traffic);
  // The script covers what it claims to: every client request type went up; replies, errors and events came down.
  const upTypes = new Set(bytes.traffic.up.map((m) => m.type));
  for (const t of [
    XsType.READ, XsType.WRITE, XsType.MKDIR, XsType.RM, XsType.DIRECTORY, XsType.DIRECTORY_PART, XsType.GET_PERMS,
    XsType.SET_PERMS, XsType.WATCH, XsType.UNWATCH, XsType.TRANSACTION_START, XsType.TRANSACTION_END, XsType.INTRODUCE,
    XsType.RELEASE, XsType.GET_DOMAIN_PATH, XsType.IS_DOMAIN_INTRODUCED, XsType.RESET_WATCHES, XsType.CONTROL,
  ]) assert.ok(upTypes.has(t), `request type ${t} sent`);
  const downTypes = new Set(bytes.traffic.down.map((m) => m.type));
  assert.ok(downTypes.has(XsType.ERROR) && downTypes.has(XsType.WATCH_EVENT));
  // The oversize WRITE never left the client.
  assert.ok(bytes.outcomes.includes('ProtocolError oversize'));
});
