/**
 * A daemon-side socket connection driven straight on its libuv stream
 * handle, without `net.Socket` (issue 15, goal 1: `xstorm serve` against
 * the C daemon).
 *
 * Why: measured with realxs's xsload (32 connections, one request in
 * flight each), a Node responder that answers canned replies through
 * `net.Socket` already spends about as much CPU per request as the whole
 * C cxenstored; the Readable/Writable machinery around each read and write
 * (timers, state objects, a `nextTick` after every synchronous write) is
 * most of that. Here a read is one call of our function with the byte
 * count, and a write is one `writeBuffer` on the handle: the same two
 * syscalls and nothing around them.
 *
 * How: the accepted socket's handle is taken from its `net.Socket`, and
 * Node's own stream binding (`process.binding('stream_wrap')`: the
 * `WriteWrap`/`ShutdownWrap` request classes and the `streamBaseState`
 * array that reports read sizes and whether a write went asynchronous) is
 * used the way Node's `net` uses it. Those are internal interfaces: where
 * they are missing or shaped differently, {@link rawStreamSupport} says
 * why and the caller keeps `net.Socket` (`XSTORM_SOCKET_IO=net` forces that
 * path). Both paths satisfy the same {@link SocketServerConnection} and the
 * socket tests run against both.
 */
import type { SocketServerConnection } from './socket.ts';

/** The slice of Node's `stream_wrap` binding used here. */
interface StreamWrapBinding {
  readonly WriteWrap: new () => WriteReq;
  readonly ShutdownWrap: new () => ShutdownReq;
  readonly streamBaseState: Int32Array;
  readonly kReadBytesOrError: number;
  readonly kBytesWritten: number;
  readonly kLastWriteWasAsync: number;
}

/** A libuv stream handle (a Pipe), as Node's binding exposes it. */
export interface StreamHandle {
  onread: ((this: StreamHandle, arrayBuffer: ArrayBuffer | undefined) => unknown) | null;
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: WriteReq, data: Uint8Array): number;
  shutdown(req: ShutdownReq): number;
  close(callback?: () => void): void;
}

interface WriteReq {
  handle: StreamHandle;
  oncomplete: (status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Uint8Array | null;
}

interface ShutdownReq {
  handle: StreamHandle;
  oncomplete: (status: number) => void;
  callback?: () => void;
}

let binding: StreamWrapBinding | null | undefined;
let unsupported: string | undefined;

/** Loads Node's stream binding once; null (with {@link unsupported} set) when it is not usable. */
function streamWrap(): StreamWrapBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    if (
      typeof b.WriteWrap !== 'function' || typeof b.ShutdownWrap !== 'function' || !(b.streamBaseState instanceof Int32Array) ||
      typeof b.kReadBytesOrError !== 'number' || typeof b.kBytesWritten !== 'number' || typeof b.kLastWriteWasAsync !== 'number'
    ) {
      unsupported = 'node:stream_wrap lacks WriteWrap/ShutdownWrap/streamBaseState';
    } else {
      binding = b as StreamWrapBinding;
    }
  } catch (e) {
    unsupported = `process.binding('stream_wrap') failed: ${(e as Error).message}`;
  }
  return binding;
}

/**
 * Undefined when raw handles can serve connections here; else why not
 * (the reason is for logs: callers fall back to `net.Socket`).
 */
export function rawStreamSupport(): string | undefined {
  if (process.env['XSTORM_SOCKET_IO'] === 'net') return 'XSTORM_SOCKET_IO=net';
  streamWrap();
  return unsupported;
}

/** True when `h` looks like a stream handle this module can drive. */
export function isStreamHandle(h: unknown): h is StreamHandle {
  if (h === null || typeof h !== 'object') return false;
  const s = h as Record<string, unknown>;
  return ['useUserBuffer', 'readStart', 'readStop', 'writeBuffer', 'shutdown', 'close'].every((k) => typeof s[k] === 'function');
}

let readBuffer: Buffer | undefined;

/**
 * The one read buffer of every server connection, raw or `net.Socket`:
 * reads are synchronous on the one JS thread and each chunk is copied out
 * before the next read.
 */
export function sharedReadBuffer(): Buffer {
  return (readBuffer ??= Buffer.allocUnsafe(64 * 1024));
}

/** A write request object not bound to any write (see {@link RawStreamConnection.writeNow}). */
let spareWriteReq: WriteReq | null = null;

/** Up to this many bytes a chunk is a fresh array on V8's heap, filled by a loop (one request is typically 20–60 bytes). */
const SMALL_CHUNK = 64;

/**
 * A copy of `buf[0..n)` the caller may keep. Small reads skip Node's
 * buffer pool and `Buffer#copy` (a JS wrapper around a native set): a
 * small typed array and a loop cost less.
 */
function copyOut(buf: Buffer, n: number): Uint8Array {
  if (n <= SMALL_CHUNK) {
    const chunk = new Uint8Array(n);
    for (let i = 0; i < n; i++) chunk[i] = buf[i]!;
    return chunk;
  }
  const chunk = Buffer.allocUnsafe(n);
  chunk.set(buf.subarray(0, n));
  return chunk;
}

/** A server connection on a raw stream handle. */
export class RawStreamConnection implements SocketServerConnection {
  readonly #handle: StreamHandle;
  readonly #b: StreamWrapBinding;
  readonly #graceMs: number;
  #dataListeners: ((chunk: Uint8Array) => void)[] = [];
  #closeListeners: (() => void)[] = [];
  /** Bytes handed to the kernel asynchronously (libuv still holds them). */
  #inFlight = 0;
  /** Frames of {@link write} waiting for the end of the tick. */
  #corked: Uint8Array[] = [];
  #corkedBytes = 0;
  #reading = false;
  #ending = false;
  #closed = false;
  readonly #onWriteDone: (this: WriteReq, status: number) => void;

  /**
   * Takes over `handle` (already detached from its `net.Socket`) and
   * starts reading. `graceMs`: how long {@link end} waits for the peer.
   */
  constructor(handle: StreamHandle, graceMs: number) {
    const b = streamWrap();
    if (b === null) throw new Error(`raw stream connections unavailable: ${unsupported}`);
    this.#b = b;
    this.#handle = handle;
    this.#graceMs = graceMs;
    const self = this;
    this.#onWriteDone = function (this: WriteReq, status: number) {
      self.#inFlight -= this.bytes;
      this.buffer = null;
      if (status < 0) self.close();
    };
    const readBuffer = sharedReadBuffer();
    handle.useUserBuffer(readBuffer);
    handle.onread = () => {
      const n = b.streamBaseState[b.kReadBytesOrError]!;
      if (n > 0) {
        if (this.#closed) return;
        const chunk = copyOut(readBuffer, n);
        const ls = this.#dataListeners;
        for (let i = 0; i < ls.length; i++) ls[i]!(chunk);
        return;
      }
      // 0: nothing this time; EOF (UV_EOF) or a read error: the peer is
      // gone, and a daemon keeps no half-open connections.
      if (n < 0) this.close();
    };
    this.resume();
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.#dataListeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.#closeListeners.push(listener);
  }

  write(frame: Uint8Array): void {
    if (this.#closed) return;
    if (this.#corked.length === 0) process.nextTick(() => this.#uncork());
    this.#corked.push(frame);
    this.#corkedBytes += frame.byteLength;
  }

  #uncork(): void {
    const frames = this.#corked;
    if (frames.length === 0) return;
    const bytes = frames.length === 1 ? frames[0]! : Buffer.concat(frames, this.#corkedBytes);
    this.#corked = [];
    this.#corkedBytes = 0;
    this.writeNow(bytes);
  }

  writeNow(bytes: Uint8Array): void {
    if (this.#closed || this.#ending) return;
    const b = this.#b;
    // A write the kernel takes at once never touches its request object
    // (Node binds one only when the write goes asynchronous), so one spare
    // serves every such write instead of a new native object per reply.
    const req = spareWriteReq ?? new b.WriteWrap();
    spareWriteReq = null;
    req.handle = this.#handle;
    req.oncomplete = this.#onWriteDone;
    const err = this.#handle.writeBuffer(req, bytes);
    if (b.streamBaseState[b.kLastWriteWasAsync] !== 0) {
      // The kernel did not take it all: libuv keeps writing, and owns `req`
      // until its completion; the bytes must live until then.
      req.async = true;
      req.bytes = bytes.byteLength;
      req.buffer = bytes;
      this.#inFlight += bytes.byteLength;
    } else {
      spareWriteReq = req;
    }
    if (err !== 0) this.close();
  }

  pause(): void {
    if (!this.#reading || this.#closed) return;
    this.#reading = false;
    this.#handle.readStop();
  }

  resume(): void {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    if (this.#handle.readStart() !== 0) this.close();
  }

  get writableLength(): number {
    return this.#inFlight + this.#corkedBytes;
  }

  end(): void {
    if (this.#closed || this.#ending) return;
    this.#uncork();
    this.#ending = true;
    const req = new this.#b.ShutdownWrap();
    req.handle = this.#handle;
    // Shutdown completes after the queued writes: then the handle goes.
    req.oncomplete = () => this.close();
    if (this.#handle.shutdown(req) !== 0) {
      this.close();
      return;
    }
    setTimeout(() => this.close(), this.#graceMs).unref();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#corked = [];
    this.#corkedBytes = 0;
    this.#handle.readStop();
    this.#handle.close(() => {
      for (const l of this.#closeListeners) l();
    });
  }
}
