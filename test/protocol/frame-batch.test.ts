import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameBatch } from '../../protocol/frame-batch.ts';
import { ProtocolError, encodeFrame } from '../../protocol/codec.ts';

const payload = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

test('FrameBatch: frames back to back equal the codec frames, across growth; take() empties the batch', () => {
  const batch = new FrameBatch(32); // smaller than one frame: it has to grow
  const frames: Uint8Array[] = [];
  for (const [i, n] of [0, 3, 100, 4096, 1].entries()) {
    batch.append(i + 1, 1000 + i, 7, payload(n, i));
    frames.push(encodeFrame(i + 1, 1000 + i, 7, payload(n, i)));
  }
  const want = Buffer.concat(frames);
  assert.equal(batch.length, want.length);
  assert.deepEqual(Buffer.from(batch.take()), want);
  assert.equal(batch.length, 0);
  assert.equal(batch.take().length, 0);
});

test('FrameBatch: after release() a taken view survives later appends; without it the buffer is reused', () => {
  const batch = new FrameBatch(4096);
  batch.append(2, 1, 0, payload(10, 1));
  const first = batch.take();
  const copy = Buffer.from(first);
  batch.release();
  batch.append(2, 2, 0, payload(10, 2));
  assert.deepEqual(Buffer.from(first), copy);

  const reused = batch.take();
  batch.append(2, 3, 0, payload(10, 3));
  assert.notDeepEqual(Buffer.from(reused), Buffer.from(encodeFrame(2, 2, 0, payload(10, 2))));
});

test('FrameBatch: an oversize payload is refused like the codec refuses it, and the batch is unchanged', () => {
  const batch = new FrameBatch(64);
  batch.append(2, 1, 0, payload(5, 0));
  assert.throws(() => batch.append(2, 2, 0, new Uint8Array(4097)), (e: unknown) => e instanceof ProtocolError && e.reason === 'oversize');
  assert.deepEqual(Buffer.from(batch.take()), Buffer.from(encodeFrame(2, 1, 0, payload(5, 0))));
});
