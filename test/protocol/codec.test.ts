import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MessageDecoder,
  ProtocolError,
  bytesToLatin1,
  encodeFrame,
  encodeMessage,
  encodePathValue,
  encodeStrings,
  errorPayload,
  latin1ToBytes,
  okPayload,
  parseErrorPayload,
  parsePathValue,
  splitStrings,
  watchEventPayload,
  xsTypeName,
} from '../../protocol/codec.ts';
import { XsType } from '../../protocol/wire.ts';
import type { XsMessage } from '../../protocol/types.ts';

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

const messageArb: fc.Arbitrary<XsMessage> = fc.record({
  type: fc.oneof(fc.constantFrom(...Object.values(XsType)), fc.nat({ max: 0xffffffff })),
  reqId: fc.nat({ max: 0xffffffff }),
  txId: fc.nat({ max: 0xffffffff }),
  payload: fc.uint8Array({ maxLength: 4096 }),
});

/** Plain-object view of a message for deepEqual (payload as number array). */
function plain(m: XsMessage): { type: number; reqId: number; txId: number; payload: number[] } {
  return { type: m.type, reqId: m.reqId, txId: m.txId, payload: [...m.payload] };
}

function drain(d: MessageDecoder): XsMessage[] {
  const out: XsMessage[] = [];
  for (let m = d.next(); m !== undefined; m = d.next()) out.push(m);
  return out;
}

test('header layout: 4×u32 little-endian then payload', () => {
  const f = encodeMessage({ type: XsType.WRITE, reqId: 0x01020304, txId: 0xfffffffe, payload: bytes(9, 8) });
  assert.deepEqual([...f], [11, 0, 0, 0, 4, 3, 2, 1, 0xfe, 0xff, 0xff, 0xff, 2, 0, 0, 0, 9, 8]);
});

test('every message type encodes and decodes', () => {
  for (const [name, type] of Object.entries(XsType)) {
    const payload = encodeStrings('/local/domain/1', name);
    const d = new MessageDecoder();
    d.push(encodeMessage({ type, reqId: type + 100, txId: 7, payload }));
    const m = d.next();
    assert.ok(m);
    assert.deepEqual(plain(m), { type, reqId: type + 100, txId: 7, payload: [...payload] });
    assert.deepEqual(splitStrings(m.payload), ['/local/domain/1', name]);
    assert.equal(xsTypeName(type), name);
    assert.equal(d.next(), undefined);
  }
  assert.equal(xsTypeName(20), 'UNKNOWN(20)');
});

test('unknown types decode like any other message', () => {
  const d = new MessageDecoder();
  d.push(encodeFrame(999, 1, 0, bytes(1)));
  assert.deepEqual(plain(d.next()!), { type: 999, reqId: 1, txId: 0, payload: [1] });
});

test('round trip: random messages, random chunking of the concatenated frames', () => {
  fc.assert(
    fc.property(
      fc.array(messageArb, { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 40 }),
      (msgs, cuts) => {
        const frames = msgs.map(encodeMessage);
        const total = frames.reduce((n, f) => n + f.length, 0);
        const all = new Uint8Array(total);
        let at = 0;
        for (const f of frames) {
          all.set(f, at);
          at += f.length;
        }
        const d = new MessageDecoder();
        const got: XsMessage[] = [];
        let pos = 0;
        let i = 0;
        while (pos < total) {
          const n = Math.min(cuts[i++ % cuts.length]!, total - pos);
          d.push(all.slice(pos, pos + n));
          pos += n;
          got.push(...drain(d));
        }
        assert.deepEqual(got.map(plain), msgs.map(plain));
        assert.equal(d.buffered, 0);
      },
    ),
    { seed: 4242, numRuns: 300 },
  );
});

test('one byte at a time', () => {
  const msgs: XsMessage[] = [
    { type: XsType.READ, reqId: 1, txId: 0, payload: encodeStrings('/a') },
    { type: XsType.TRANSACTION_START, reqId: 2, txId: 0, payload: new Uint8Array(0) },
    { type: XsType.WRITE, reqId: 3, txId: 5, payload: encodePathValue('/a', 'v') },
  ];
  const d = new MessageDecoder();
  const got: XsMessage[] = [];
  for (const f of msgs.map(encodeMessage)) {
    for (const b of f) {
      d.push(bytes(b));
      got.push(...drain(d));
    }
  }
  assert.deepEqual(got.map(plain), msgs.map(plain));
});

test('large payloads of contiguous frames are views of the chunk (no copy)', () => {
  const f = encodeFrame(XsType.WRITE, 1, 0, new Uint8Array(100).fill(3));
  const d = new MessageDecoder();
  d.push(f);
  const m = d.next()!;
  assert.equal(m.payload.buffer, f.buffer);
  assert.equal(m.payload.byteOffset, 16);
});

test('strict: encoding a payload over 4096 bytes throws', () => {
  assert.doesNotThrow(() => encodeFrame(1, 1, 0, new Uint8Array(4096)));
  assert.throws(
    () => encodeMessage({ type: 1, reqId: 1, txId: 0, payload: new Uint8Array(4097) }),
    (e: unknown) => e instanceof ProtocolError && e.reason === 'oversize',
  );
});

test('strict: a header with len > 4096 makes next() throw, and keep throwing', () => {
  const hdr = bytes(2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x10, 0, 0); // len 4097
  const d = new MessageDecoder();
  d.push(hdr.subarray(0, 10));
  assert.equal(d.next(), undefined);
  d.push(hdr.subarray(10));
  const isOversize = (e: unknown): boolean => e instanceof ProtocolError && e.reason === 'oversize';
  assert.throws(() => d.next(), isOversize);
  assert.throws(() => d.next(), isOversize);
});

test('a header with len = 4096 waits for the whole payload', () => {
  const f = encodeFrame(XsType.WRITE, 9, 0, new Uint8Array(4096).fill(65));
  const d = new MessageDecoder();
  d.push(f.slice(0, 2000));
  assert.equal(d.next(), undefined);
  d.push(f.slice(2000));
  assert.equal(d.next()!.payload.length, 4096);
});

test('parsePathValue: path NUL raw value; strict without NUL', () => {
  assert.deepEqual(parsePathValue(encodePathValue('/a/b', 'x\0y\xff')), { path: '/a/b', value: 'x\0y\xff' });
  assert.deepEqual(parsePathValue(encodePathValue('/a', '')), { path: '/a', value: '' });
  assert.throws(
    () => parsePathValue(latin1ToBytes('/a/b')),
    (e: unknown) => e instanceof ProtocolError && e.reason === 'missing-nul',
  );
});

test('string payloads: splitStrings / encodeStrings / latin1', () => {
  assert.deepEqual([...encodeStrings('ab', '', 'c')], [97, 98, 0, 0, 99, 0]);
  assert.deepEqual(splitStrings(encodeStrings('ab', '', 'c')), ['ab', '', 'c']);
  assert.deepEqual(splitStrings(new Uint8Array(0)), []);
  assert.deepEqual(splitStrings(latin1ToBytes('a\0tail')), ['a', 'tail']);
  const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
  assert.equal(bytesToLatin1(latin1ToBytes(all)), all);
  assert.equal(bytesToLatin1(latin1ToBytes(all.repeat(20))), all.repeat(20));
  assert.throws(
    () => encodeStrings('\u0100'),
    (e: unknown) => e instanceof ProtocolError && e.reason === 'not-latin1',
  );
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)) })), (args) => {
      assert.deepEqual(splitStrings(encodeStrings(...args)), args);
    }),
    { seed: 7, numRuns: 200 },
  );
});

test('reply payloads: OK, ERROR, WATCH_EVENT', () => {
  assert.deepEqual([...okPayload], [79, 75, 0]);
  assert.deepEqual([...errorPayload('ENOENT')], [...latin1ToBytes('ENOENT\0')]);
  assert.equal(errorPayload('EAGAIN'), errorPayload('EAGAIN'));
  assert.equal(parseErrorPayload(errorPayload('EQUOTA')), 'EQUOTA');
  assert.deepEqual(splitStrings(watchEventPayload('/a/b', 'tok')), ['/a/b', 'tok']);
  assert.deepEqual([...watchEventPayload('@releaseDomain', '')], [...latin1ToBytes('@releaseDomain\0\0')]);
});
