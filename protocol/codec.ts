/**
 * The `xsd_sockmsg` codec: framing (16-byte header + payload), an
 * incremental decoder for byte streams cut at arbitrary points, and the
 * payload helpers every message type needs.
 *
 * Strings on the wire are byte strings: xstorm represents them as latin1
 * JS strings (one char per byte, char codes 0..255) so that any value
 * round-trips exactly. Hot path: encode writes straight into one buffer,
 * decode hands out views of the incoming chunk whenever a frame is
 * contiguous and copies only frames that straddle chunks.
 */
import * as wire from './wire.ts';
import type { XsMessage } from './types.ts';

// tsx compiles each use of an imported binding into a getter call (it showed
// as 7% of a daemon profile): the hot paths read module constants instead.
const { HEADER_SIZE, XENSTORE_PAYLOAD_MAX, XsType } = wire;

/** Why a byte stream or payload was refused. */
export type ProtocolErrorReason =
  /** Header `len` (or a payload to encode) exceeds 4096 bytes. */
  | 'oversize'
  /** A payload lacks a required NUL terminator (e.g. WRITE without path NUL). */
  | 'missing-nul'
  /** A string to encode holds a char code > 255 (not a byte string). */
  | 'not-latin1';

/** A frame or payload that violates the wire protocol. */
export class ProtocolError extends Error {
  /** Machine-readable cause. */
  readonly reason: ProtocolErrorReason;

  constructor(reason: ProtocolErrorReason, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------
// latin1 byte strings

/** Number of bytes `s` takes on the wire; throws `not-latin1` on chars > 255. */
function latin1Length(s: string): number {
  return s.length;
}

/** Writes `s` at `out[at..]` as one byte per char; returns the next offset. */
function writeLatin1(out: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) {
      throw new ProtocolError('not-latin1', `char code ${c} at index ${i} is not a byte (strings are latin1 byte strings)`);
    }
    out[at++] = c;
  }
  return at;
}

/** Encodes a latin1 byte string as bytes (one byte per char). */
export function latin1ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(latin1Length(s));
  writeLatin1(out, 0, s);
  return out;
}

/**
 * Node's native latin1 decoder behind `Buffer#toString('latin1')`; it takes
 * any Uint8Array as `this`, so no Buffer view is allocated per string
 * (10x faster than a JS loop for path-sized strings).
 */
const nativeLatin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string })
  .latin1Slice;

/** Decodes `bytes[start..end)` as a latin1 byte string (one char per byte). */
export function bytesToLatin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (end <= start) return '';
  if (nativeLatin1Slice !== undefined) return nativeLatin1Slice.call(bytes, start, end);
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

// ---------------------------------------------------------------------------
// framing

/** Writes a u32 little-endian at `at`. */
function putU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}

/** Reads a u32 little-endian at `at`. */
function getU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/**
 * Receives one message as its header fields and payload, never encoded:
 * hosts that need only a frame's size ({@link frameLength}) move messages
 * this way (the simulated transport, both directions).
 */
export type MessageSink = (type: number, reqId: number, txId: number, payload: Uint8Array) => void;

/**
 * Length of the frame that carries a payload of `payloadLength` bytes (the
 * header plus the payload). The one place that says how big a frame is:
 * {@link encodeFrame} allocates this, and the simulated transport, which
 * moves messages without encoding them, prices this many bytes. Throws
 * `ProtocolError('oversize')` past 4096 payload bytes, as encoding does.
 */
export function frameLength(payloadLength: number): number {
  if (payloadLength > XENSTORE_PAYLOAD_MAX) {
    throw new ProtocolError('oversize', `payload of ${payloadLength} bytes exceeds ${XENSTORE_PAYLOAD_MAX}`);
  }
  return HEADER_SIZE + payloadLength;
}

/**
 * Encodes one frame from its parts (no intermediate message object).
 * Throws `ProtocolError('oversize')` when the payload exceeds 4096 bytes.
 */
export function encodeFrame(type: number, reqId: number, txId: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(frameLength(payload.length));
  encodeFrameInto(out, 0, type, reqId, txId, payload);
  return out;
}

/**
 * Writes one frame at `out[at..]` (the caller made room for
 * {@link frameLength} bytes) and returns the offset after it: a host that
 * gathers replies writes them straight into its output buffer.
 */
export function encodeFrameInto(out: Uint8Array, at: number, type: number, reqId: number, txId: number, payload: Uint8Array): number {
  const len = payload.length;
  putU32(out, at, type >>> 0);
  putU32(out, at + 4, reqId >>> 0);
  putU32(out, at + 8, txId >>> 0);
  putU32(out, at + 12, len);
  out.set(payload, at + HEADER_SIZE);
  return at + HEADER_SIZE + len;
}

/**
 * Encodes `msg` as header (4×u32 LE: type, req_id, tx_id, len) + payload.
 * Throws `ProtocolError('oversize')` when the payload exceeds 4096 bytes.
 */
export function encodeMessage(msg: XsMessage): Uint8Array {
  return encodeFrame(msg.type, msg.reqId, msg.txId, msg.payload);
}

/**
 * Incremental frame decoder: `push` byte chunks as they arrive (any
 * chunking), then call `next` until it returns `undefined`.
 *
 * Pushed chunks are referenced, not copied: the caller must not modify a
 * chunk after pushing it. Payloads over 64 bytes of frames that lie within
 * one chunk are views of that chunk; smaller ones are copies. A header announcing more than 4096 payload bytes
 * makes `next` throw `ProtocolError('oversize')` (and keep throwing: the
 * stream cannot be resynchronised). Unknown message types are returned
 * like any other: deciding what they mean is the receiver's job.
 */
export class MessageDecoder {
  #chunks: Uint8Array[] = [];
  /**
   * Slots of `#chunks` in use (live ones from `#head`; consumed ones hold
   * EMPTY). The array keeps its length when it empties: truncating it and
   * growing it again allocated a backing store per message.
   */
  #used = 0;
  /** Index of the first live chunk in `#chunks`. */
  #head = 0;
  /** Read offset inside the first live chunk. */
  #off = 0;
  /** Unread bytes over all live chunks. */
  #avail = 0;
  #header = new Uint8Array(HEADER_SIZE);
  #failed: ProtocolError | undefined;

  /** Bytes received but not yet returned as messages. */
  get buffered(): number {
    return this.#avail;
  }

  /** Appends received bytes. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#used === this.#chunks.length) this.#chunks.push(chunk);
    else this.#chunks[this.#used] = chunk;
    this.#used++;
    this.#avail += chunk.length;
  }

  /** The next complete message, or `undefined` until more bytes arrive. */
  next(): XsMessage | undefined {
    if (this.#failed) throw this.#failed;
    if (this.#avail < HEADER_SIZE) return undefined;
    let first = this.#chunks[this.#head]!;
    let hdr: Uint8Array;
    let hoff: number;
    if (first.length - this.#off >= HEADER_SIZE) {
      hdr = first;
      hoff = this.#off;
    } else {
      this.#peek(this.#header, HEADER_SIZE);
      hdr = this.#header;
      hoff = 0;
    }
    const len = getU32(hdr, hoff + 12);
    if (len > XENSTORE_PAYLOAD_MAX) {
      this.#failed = new ProtocolError('oversize', `frame announces ${len} payload bytes (max ${XENSTORE_PAYLOAD_MAX})`);
      throw this.#failed;
    }
    if (this.#avail < HEADER_SIZE + len) return undefined;
    const type = getU32(hdr, hoff);
    const reqId = getU32(hdr, hoff + 4);
    const txId = getU32(hdr, hoff + 8);
    this.#skip(HEADER_SIZE);
    let payload: Uint8Array;
    first = this.#chunks[this.#head]!;
    if (len === 0) {
      payload = EMPTY;
    } else if (len <= SMALL_PAYLOAD && first.length - this.#off >= len) {
      // Small payloads (most requests) are copied: a fresh array this small
      // lives on V8's heap, whereas a view forces the chunk's backing store
      // to be materialised, which costs more than the copy.
      payload = new Uint8Array(len);
      const off = this.#off;
      for (let i = 0; i < len; i++) payload[i] = first[off + i]!;
      this.#skip(len);
    } else if (first.length - this.#off >= len) {
      payload = first.subarray(this.#off, this.#off + len);
      this.#skip(len);
    } else {
      payload = new Uint8Array(len);
      this.#peek(payload, len);
      this.#skip(len);
    }
    return { type, reqId, txId, payload };
  }

  /** Copies the first `n` unread bytes into `out` without consuming them. */
  #peek(out: Uint8Array, n: number): void {
    let i = this.#head;
    let off = this.#off;
    let done = 0;
    while (done < n) {
      const c = this.#chunks[i]!;
      const take = Math.min(n - done, c.length - off);
      out.set(c.subarray(off, off + take), done);
      done += take;
      i++;
      off = 0;
    }
  }

  /** Consumes `n` bytes (n ≤ #avail). */
  #skip(n: number): void {
    this.#avail -= n;
    while (n > 0) {
      const c = this.#chunks[this.#head]!;
      const left = c.length - this.#off;
      if (n < left) {
        this.#off += n;
        return;
      }
      n -= left;
      this.#chunks[this.#head] = EMPTY;
      this.#head++;
      this.#off = 0;
    }
    // Drop consumed chunk slots now and then so the array does not grow.
    if (this.#head === this.#used) {
      this.#used = 0;
      this.#head = 0;
    } else if (this.#head > 64) {
      this.#chunks.splice(0, this.#head);
      this.#used -= this.#head;
      this.#head = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
/** Largest payload copied rather than viewed (V8 keeps typed arrays ≤ 64 bytes on its heap). */
const SMALL_PAYLOAD = 64;

// ---------------------------------------------------------------------------
// payloads

/**
 * Splits a payload into its NUL-terminated arguments (latin1). A trailing
 * run of bytes without a NUL (e.g. a READ reply's raw value) becomes a last
 * element; an empty payload gives `[]`. Callers that need an exact argument
 * count check the length themselves.
 */
export function splitStrings(payload: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  const n = payload.length;
  for (let i = 0; i < n; i++) {
    if (payload[i] === 0) {
      out.push(bytesToLatin1(payload, start, i));
      start = i + 1;
    }
  }
  if (start < n) out.push(bytesToLatin1(payload, start, n));
  return out;
}

/** Encodes each argument followed by a NUL (latin1). */
export function encodeStrings(...args: string[]): Uint8Array {
  let total = 0;
  for (const a of args) total += a.length + 1;
  const out = new Uint8Array(total);
  let at = 0;
  for (const a of args) {
    at = writeLatin1(out, at, a);
    out[at++] = 0;
  }
  return out;
}

/** Encodes a WRITE payload: path NUL raw value (the value has no NUL). */
export function encodePathValue(path: string, value: string): Uint8Array {
  const out = new Uint8Array(path.length + 1 + value.length);
  const at = writeLatin1(out, 0, path);
  out[at] = 0;
  writeLatin1(out, at + 1, value);
  return out;
}

/**
 * Parses a WRITE payload: path NUL raw value. Strict: throws
 * `ProtocolError('missing-nul')` when there is no NUL.
 */
export function parsePathValue(payload: Uint8Array): { path: string; value: string } {
  const nul = payload.indexOf(0);
  if (nul < 0) throw new ProtocolError('missing-nul', 'WRITE payload has no NUL after the path');
  return { path: bytesToLatin1(payload, 0, nul), value: bytesToLatin1(payload, nul + 1, payload.length) };
}

/** The success reply without data: "OK" NUL. Shared: never modify it. */
export const okPayload: Uint8Array = Uint8Array.of(79, 75, 0);

const errorPayloads = new Map<string, Uint8Array>();

/** The payload of an ERROR reply: errno name NUL (cached; never modify it). */
export function errorPayload(errno: string): Uint8Array {
  let p = errorPayloads.get(errno);
  if (p === undefined) {
    p = encodeStrings(errno);
    errorPayloads.set(errno, p);
  }
  return p;
}

/** The payload of a WATCH_EVENT: path NUL token NUL. */
export function watchEventPayload(path: string, token: string): Uint8Array {
  return encodeStrings(path, token);
}

/**
 * The errno name carried by an ERROR payload (text up to the first NUL).
 */
export function parseErrorPayload(payload: Uint8Array): string {
  const nul = payload.indexOf(0);
  return bytesToLatin1(payload, 0, nul < 0 ? payload.length : nul);
}

const typeNames = new Map<number, string>(Object.entries(XsType).map(([k, v]) => [v, k]));

/** The name of a message type (`'READ'`), or `'UNKNOWN(<n>)'`. */
export function xsTypeName(type: number): string {
  return typeNames.get(type) ?? `UNKNOWN(${type})`;
}
