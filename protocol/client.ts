/**
 * The async xenstore client that scenarios, the runner and tests use, over
 * any {@link ClientTransport} (rings, Unix socket, in-process pipe), or a
 * {@link MessageTransport} that moves messages without bytes (simulated).
 *
 * Requests are pipelined: each gets a fresh req_id and a pending entry;
 * replies are matched by req_id in whatever order they come. WATCH_EVENT
 * messages go to the watch listeners. An ERROR reply rejects with
 * `XsError(<errno name>)` (names xstorm does not know become `EIO`).
 * Timing lives only here, through the injected clock and observer.
 */
import { XS_ERRNOS, XsError, isXsError, type XsErrno } from '../engines/common/errors.ts';
import {
  MessageDecoder,
  bytesToLatin1,
  encodeFrame,
  encodePathValue,
  encodeStrings,
  frameLength,
} from './codec.ts';
import type { MessageSink } from './codec.ts';
import type {
  ClientObserver,
  ClientTransport,
  Clock,
  RetryPolicy,
  TransactionOptions,
  XsApi,
  XsTransactionOps,
} from './types.ts';
import { HEADER_SIZE, XENSTORE_PAYLOAD_MAX, XsType } from './wire.ts';

/** Options of {@link XsClient}. */
export interface XsClientOptions {
  /** Time source for observer timestamps and backoff sleeps (default: wall clock). */
  readonly clock?: Clock;
  /** Measurement hooks (default: none). */
  readonly observer?: ClientObserver;
  /** Default retry policy of `transaction(fn)` (default: `immediate`). */
  readonly retry?: RetryPolicy;
  /** Uniform [0, 1) source for backoff jitter (default: a fixed-seed PRNG). */
  readonly random?: () => number;
}

/**
 * A transport that carries messages whole (header fields and payload, never
 * encoded) instead of bytes, for a host that needs only their sizes: the
 * simulated one. The client then builds no frames and parses none; sizes
 * still go through {@link frameLength}, so a request no frame could carry
 * is refused alike.
 */
export interface MessageTransport extends Pick<ClientTransport, 'onClose' | 'close'> {
  /** Sends one request. The payload is handed over as it is: the client never modifies it. */
  readonly sendMessage: MessageSink;
  /** Registers the receiver of replies and watch events. */
  onMessage(listener: MessageSink): void;
}

function isMessageTransport(t: ClientTransport | MessageTransport): t is MessageTransport {
  return typeof (t as Partial<MessageTransport>).sendMessage === 'function';
}

/** `performance.now` + `setTimeout`: the real-time clock. */
export const wallClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** mulberry32: a tiny seeded PRNG, so the default jitter is reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KNOWN_ERRNOS: ReadonlySet<string> = new Set(XS_ERRNOS);

/**
 * Turns a reply payload, `bytes[start..end)`, into a result (a range, not a
 * payload array: a frame that arrives alone is decoded where it lies).
 */
type Decode<T> = (bytes: Uint8Array, start: number, end: number) => T;

interface Pending {
  readonly type: number;
  readonly start: number;
  readonly decode: Decode<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

const NUL_ONLY = encodeStrings('');
const COMMIT = encodeStrings('T');
const ABORT = encodeStrings('F');

/** Index of the first NUL in `bytes[start..end)`, or `end`. */
function nulOrEnd(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) if (bytes[i] === 0) return i;
  return end;
}

/** Text of a string reply: up to the first NUL. */
function replyString(bytes: Uint8Array, start: number, end: number): string {
  return bytesToLatin1(bytes, start, nulOrEnd(bytes, start, end));
}

/** A READ reply: the raw value bytes. */
function decodeValue(bytes: Uint8Array, start: number, end: number): string {
  return bytesToLatin1(bytes, start, end);
}

/** A TRANSACTION_START reply: the decimal id. */
function decodeTxId(bytes: Uint8Array, start: number, end: number): number {
  const text = replyString(bytes, start, end);
  const id = Number(text);
  if (!/^\d+$/.test(text) || id > 0xffffffff) throw new XsError('EIO', `bad transaction id reply ${JSON.stringify(text)}`);
  return id;
}

/** An IS_DOMAIN_INTRODUCED reply: "T" or "F". */
function decodeBool(bytes: Uint8Array, start: number, end: number): boolean {
  return replyString(bytes, start, end) === 'T';
}

/** The raw payload (a copy: the reply's bytes may be a view of a larger chunk). */
function rawPayload(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return bytes.slice(start, end);
}

/** The NUL-terminated strings of `bytes[start..end)`; a trailing run without NUL is a last string. */
function splitRange(bytes: Uint8Array, start: number, end: number): string[] {
  const out: string[] = [];
  let from = start;
  for (let i = start; i < end; i++) {
    if (bytes[i] === 0) {
      out.push(bytesToLatin1(bytes, from, i));
      from = i + 1;
    }
  }
  if (from < end) out.push(bytesToLatin1(bytes, from, end));
  return out;
}

/** NUL-separated list reply (DIRECTORY, GET_PERMS) without empty entries. */
function replyList(bytes: Uint8Array, start: number, end: number): string[] {
  const parts = splitRange(bytes, start, end);
  for (const p of parts) if (p === '') return parts.filter((s) => s !== '');
  return parts;
}

/** Reads a u32 little-endian at `at`. */
function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/**
 * The resolving functions of the promise {@link XsClient} made last: one
 * shared executor captures them, so a request allocates no closure for it
 * (the promise is made and its functions taken synchronously).
 */
let madeResolve: (value: unknown) => void = ignore;
let madeReject: (error: Error) => void = ignore;
function capture(resolve: (value: unknown) => void, reject: (error: Error) => void): void {
  madeResolve = resolve;
  madeReject = reject;
}

/** The operations of one open transaction (one object, not seven closures, per transaction). */
class TransactionOps implements XsTransactionOps {
  readonly #client: XsClient;
  readonly txId: number;

  constructor(client: XsClient, txId: number) {
    this.#client = client;
    this.txId = txId;
  }

  read(path: string): Promise<string> {
    return this.#client.read(path, this.txId);
  }

  write(path: string, value: string): Promise<void> {
    return this.#client.write(path, value, this.txId);
  }

  mkdir(path: string): Promise<void> {
    return this.#client.mkdir(path, this.txId);
  }

  rm(path: string): Promise<void> {
    return this.#client.rm(path, this.txId);
  }

  directory(path: string): Promise<string[]> {
    return this.#client.directory(path, this.txId);
  }

  getPerms(path: string): Promise<string[]> {
    return this.#client.getPerms(path, this.txId);
  }

  setPerms(path: string, perms: readonly string[]): Promise<void> {
    return this.#client.setPerms(path, perms, this.txId);
  }
}

/** The xenstore client API ({@link XsApi}) over one transport. */
export class XsClient implements XsApi {
  readonly #transport: ClientTransport | MessageTransport;
  /** The transport, narrowed: exactly one is set. */
  readonly #bytes: ClientTransport | undefined;
  readonly #messages: MessageTransport | undefined;
  readonly #clock: Clock;
  readonly #observer: ClientObserver | undefined;
  readonly #retry: RetryPolicy;
  readonly #random: () => number;
  readonly #decoder = new MessageDecoder();
  /**
   * Requests in flight. The oldest one, when it was sent with nothing else
   * in flight (the common case: one request at a time), is kept in
   * `#sole` instead: a Map going from one entry to none and back shrinks
   * and regrows its table, an allocation per request. `#sole`, when set,
   * is older than every entry of `#pending`.
   */
  readonly #pending = new Map<number, Pending>();
  #sole: Pending | undefined;
  #soleId = 0;
  readonly #watchListeners: ((path: string, token: string) => void)[] = [];
  #nextReqId = 1;
  #closedError: Error | undefined;

  constructor(transport: ClientTransport | MessageTransport, options: XsClientOptions = {}) {
    this.#transport = transport;
    this.#clock = options.clock ?? wallClock;
    this.#observer = options.observer;
    this.#retry = options.retry ?? { kind: 'immediate' };
    this.#random = options.random ?? seededRandom(0x5eed);
    if (isMessageTransport(transport)) {
      this.#bytes = undefined;
      this.#messages = transport;
      transport.onMessage((type, reqId, _txId, payload) => this.#handle(type, reqId, payload, 0, payload.length));
    } else {
      this.#bytes = transport;
      this.#messages = undefined;
      transport.onData((chunk) => this.#onData(chunk));
    }
    transport.onClose((error) =>
      this.#shutdown(new XsError('EIO', `connection closed${error ? `: ${error.message}` : ''}`)),
    );
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#pending.size + (this.#sole === undefined ? 0 : 1);
  }

  read(path: string, txId = 0): Promise<string> {
    return this.#request(XsType.READ, txId, encodeStrings(path), decodeValue);
  }

  write(path: string, value: string, txId = 0): Promise<void> {
    return this.#request(XsType.WRITE, txId, encodePathValue(path, value), ignore);
  }

  mkdir(path: string, txId = 0): Promise<void> {
    return this.#request(XsType.MKDIR, txId, encodeStrings(path), ignore);
  }

  rm(path: string, txId = 0): Promise<void> {
    return this.#request(XsType.RM, txId, encodeStrings(path), ignore);
  }

  directory(path: string, txId = 0): Promise<string[]> {
    return this.#request(XsType.DIRECTORY, txId, encodeStrings(path), replyList);
  }

  getPerms(path: string, txId = 0): Promise<string[]> {
    return this.#request(XsType.GET_PERMS, txId, encodeStrings(path), replyList);
  }

  setPerms(path: string, perms: readonly string[], txId = 0): Promise<void> {
    return this.#request(XsType.SET_PERMS, txId, encodeStrings(path, ...perms), ignore);
  }

  watch(path: string, token: string): Promise<void> {
    return this.#request(XsType.WATCH, 0, encodeStrings(path, token), ignore);
  }

  unwatch(path: string, token: string): Promise<void> {
    return this.#request(XsType.UNWATCH, 0, encodeStrings(path, token), ignore);
  }

  onWatchEvent(listener: (path: string, token: string) => void): void {
    this.#watchListeners.push(listener);
  }

  transactionStart(): Promise<number> {
    return this.#request(XsType.TRANSACTION_START, 0, NUL_ONLY, decodeTxId);
  }

  transactionEnd(txId: number, commit: boolean): Promise<void> {
    return this.#request(XsType.TRANSACTION_END, txId, commit ? COMMIT : ABORT, ignore);
  }

  async transaction<T>(
    fn: (tx: XsTransactionOps) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<{ value: T; attempts: number }> {
    const policy = options.retry ?? this.#retry;
    const maxAttempts = options.maxAttempts ?? Infinity;
    const start = this.#clock.now();
    let attempts = 0;
    for (;;) {
      attempts++;
      let failure: unknown;
      try {
        const txId = await this.transactionStart();
        let value: T;
        try {
          value = await fn(new TransactionOps(this, txId));
        } catch (error) {
          // The transaction is still open in the daemon: abort it.
          await this.transactionEnd(txId, false).catch(ignore);
          throw error;
        }
        await this.transactionEnd(txId, true);
        this.#observer?.onTransaction?.(attempts, start, this.#clock.now(), true);
        return { value, attempts };
      } catch (error) {
        failure = error;
      }
      if (!isXsError(failure, 'EAGAIN') || attempts >= maxAttempts || this.#closedError) {
        this.#observer?.onTransaction?.(attempts, start, this.#clock.now(), false);
        throw failure;
      }
      if (policy.kind === 'backoff') {
        // Full jitter: uniform in [0, min(max, initial·factor^(n−1))).
        const cap = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (attempts - 1));
        await this.#clock.sleep(this.#random() * cap);
      }
    }
  }

  introduce(domid: number, mfn: number, port: number): Promise<void> {
    return this.#request(XsType.INTRODUCE, 0, encodeStrings(String(domid), String(mfn), String(port)), ignore);
  }

  release(domid: number): Promise<void> {
    return this.#request(XsType.RELEASE, 0, encodeStrings(String(domid)), ignore);
  }

  getDomainPath(domid: number): Promise<string> {
    return this.#request(XsType.GET_DOMAIN_PATH, 0, encodeStrings(String(domid)), replyString);
  }

  isDomainIntroduced(domid: number): Promise<boolean> {
    return this.#request(XsType.IS_DOMAIN_INTRODUCED, 0, encodeStrings(String(domid)), decodeBool);
  }

  resetWatches(): Promise<void> {
    return this.#request(XsType.RESET_WATCHES, 0, NUL_ONLY, ignore);
  }

  /**
   * Sends any request and resolves with the raw reply payload (ERROR
   * replies reject). For message types without a typed method. Leave
   * `payload` as it is until the reply: a {@link MessageTransport} hands
   * it over without a copy.
   */
  request(type: number, txId: number, payload: Uint8Array): Promise<Uint8Array> {
    return this.#request(type, txId, payload, rawPayload);
  }

  close(): void {
    this.#shutdown(new XsError('EIO', 'client closed'));
  }

  /** Sends one request; the reply payload is turned into the result by `decode` (a throw rejects). */
  #request<T>(type: number, txId: number, payload: Uint8Array, decode: Decode<T>): Promise<T> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    let frame: Uint8Array | undefined;
    const reqId = this.#allocReqId();
    const messages = this.#messages;
    try {
      if (messages === undefined) frame = encodeFrame(type, reqId, txId, payload);
      else frameLength(payload.length);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = new Promise<T>(capture as (resolve: (value: T) => void, reject: (error: Error) => void) => void);
    const reject = madeReject;
    this.#addPending(reqId, { type, start: this.#clock.now(), decode, resolve: madeResolve, reject });
    try {
      // The header fields as a frame would carry them (u32).
      if (frame === undefined) messages!.sendMessage(type >>> 0, reqId, txId >>> 0, payload);
      else this.#bytes!.send(frame);
    } catch (error) {
      this.#takePending(reqId);
      reject(error instanceof Error ? error : new Error(String(error)));
    }
    return promise;
  }

  #allocReqId(): number {
    // u32, skipping ids still in flight (only matters after 2^32 requests).
    let id = this.#nextReqId;
    while (this.#isPending(id)) id = (id + 1) >>> 0;
    this.#nextReqId = (id + 1) >>> 0;
    return id;
  }

  #addPending(reqId: number, p: Pending): void {
    if (this.#sole === undefined && this.#pending.size === 0) {
      this.#sole = p;
      this.#soleId = reqId;
    } else {
      this.#pending.set(reqId, p);
    }
  }

  /** Removes and returns the request `reqId` in flight, if any. */
  #takePending(reqId: number): Pending | undefined {
    const sole = this.#sole;
    if (sole !== undefined && this.#soleId === reqId) {
      this.#sole = undefined;
      return sole;
    }
    const p = this.#pending.get(reqId);
    if (p !== undefined) this.#pending.delete(reqId);
    return p;
  }

  #isPending(reqId: number): boolean {
    return (this.#sole !== undefined && this.#soleId === reqId) || this.#pending.has(reqId);
  }

  #onData(chunk: Uint8Array): void {
    // A chunk that is exactly one frame (every reply of the simulated and
    // in-process transports) is handled where it lies: no decoder queue, no
    // message object, no payload copy.
    if (this.#decoder.buffered === 0 && chunk.length >= HEADER_SIZE) {
      const len = u32(chunk, 12);
      if (len <= XENSTORE_PAYLOAD_MAX && chunk.length === HEADER_SIZE + len) {
        this.#handle(u32(chunk, 0), u32(chunk, 4), chunk, HEADER_SIZE, chunk.length);
        return;
      }
    }
    this.#decoder.push(chunk);
    for (;;) {
      let msg;
      try {
        msg = this.#decoder.next();
      } catch (error) {
        this.#shutdown(new XsError('EIO', `bad frame from daemon: ${(error as Error).message}`));
        return;
      }
      if (msg === undefined) return;
      this.#handle(msg.type, msg.reqId, msg.payload, 0, msg.payload.length);
    }
  }

  /** One message from the daemon, its payload `bytes[start..end)`. */
  #handle(type: number, reqId: number, bytes: Uint8Array, start: number, end: number): void {
    if (type === XsType.WATCH_EVENT) {
      const [path = '', token = ''] = splitRange(bytes, start, end);
      for (const l of this.#watchListeners) l(path, token);
      return;
    }
    const p = this.#takePending(reqId);
    if (p === undefined) return; // reply to nothing we sent: ignore
    const now = this.#observer?.onRequest ? this.#clock.now() : 0;
    if (type === XsType.ERROR) {
      const name = replyString(bytes, start, end);
      this.#observer?.onRequest?.(p.type, p.start, now, name);
      const code: XsErrno = KNOWN_ERRNOS.has(name) ? (name as XsErrno) : 'EIO';
      p.reject(new XsError(code, code === name ? undefined : `unknown errno ${JSON.stringify(name)}`));
      return;
    }
    this.#observer?.onRequest?.(p.type, p.start, now, undefined);
    let value: unknown;
    try {
      value = p.decode(bytes, start, end);
    } catch (error) {
      p.reject(error as Error);
      return;
    }
    p.resolve(value);
  }

  #shutdown(error: Error): void {
    if (this.#closedError) return;
    this.#closedError = error;
    // Oldest first, as they were sent.
    const pending = this.#sole === undefined ? [...this.#pending.values()] : [this.#sole, ...this.#pending.values()];
    this.#sole = undefined;
    this.#pending.clear();
    for (const p of pending) p.reject(error);
    this.#transport.close();
  }
}

function ignore(): void {}

/** Creates an {@link XsClient} (convenience for `new XsClient(...)`). */
export function createXsClient(transport: ClientTransport | MessageTransport, options?: XsClientOptions): XsClient {
  return new XsClient(transport, options);
}
