/**
 * Types shared by the codec, the transports, the client and the daemon.
 */
import type { XsTypeNumber } from './wire.ts';

/** One `xsd_sockmsg`: header fields plus the raw payload bytes. */
export interface XsMessage {
  readonly type: XsTypeNumber | number;
  readonly reqId: number;
  readonly txId: number;
  readonly payload: Uint8Array;
}

/**
 * A byte pipe from a client to a daemon (ring or Unix socket). Frames go
 * out whole; incoming bytes arrive in arbitrary chunks.
 */
export interface ClientTransport {
  /** Queues one encoded frame for the daemon. */
  send(frame: Uint8Array): void;
  /** Registers the receiver of incoming bytes (replies, watch events). */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Registers a listener for the end of the connection (`error` when abnormal). */
  onClose(listener: (error?: Error) => void): void;
  /** Closes the connection. */
  close(): void;
}

/**
 * Time as the driver defines it: wall-clock for the real-time driver, the
 * discrete-event clock for the simulated one. Milliseconds.
 */
export interface Clock {
  /** Current time in ms (arbitrary origin, monotonic). */
  now(): number;
  /** Resolves after `ms` of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/** What the client does when a commit returns `EAGAIN`. */
export type RetryPolicy =
  /** Start over at once, as libxl and xsload do. */
  | { readonly kind: 'immediate' }
  /** Sleep (clock time) `initialMs`, growing by `factor` up to `maxMs`, with full jitter. */
  | { readonly kind: 'backoff'; readonly initialMs: number; readonly maxMs: number; readonly factor: number };

/**
 * Hooks through which the runner measures every call in one place
 * (engines and scenario code contain no timing code).
 */
export interface ClientObserver {
  /** One request/reply round trip; `error` is the errno name of an ERROR reply. */
  onRequest?(type: number, startMs: number, endMs: number, error: string | undefined): void;
  /**
   * One logical transaction of `transaction(fn)`: `attempts` ≥ 1 (retries =
   * attempts − 1), `startMs` is the first attempt's start, `committed`
   * false when it gave up (maxAttempts or a non-EAGAIN error).
   */
  onTransaction?(attempts: number, startMs: number, endMs: number, committed: boolean): void;
}

/** Operations inside one attempt of a transaction (`txId` bound). */
export interface XsTransactionOps {
  readonly txId: number;
  read(path: string): Promise<string>;
  write(path: string, value: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  rm(path: string): Promise<void>;
  directory(path: string): Promise<string[]>;
  getPerms(path: string): Promise<string[]>;
  setPerms(path: string, perms: readonly string[]): Promise<void>;
}

/** Options of `transaction(fn)`. */
export interface TransactionOptions {
  /** Default: the client's policy (itself default `immediate`). */
  readonly retry?: RetryPolicy;
  /** Give up after this many attempts (default: unlimited). */
  readonly maxAttempts?: number;
}

/**
 * The async xenstore client API that scenario actor programs are written
 * against; the same program runs over rings, sockets and the simulated
 * transport. Errors reject with `XsError` (errno name from the daemon).
 * `txId` defaults to 0 (no transaction).
 */
export interface XsApi {
  read(path: string, txId?: number): Promise<string>;
  write(path: string, value: string, txId?: number): Promise<void>;
  mkdir(path: string, txId?: number): Promise<void>;
  rm(path: string, txId?: number): Promise<void>;
  directory(path: string, txId?: number): Promise<string[]>;
  getPerms(path: string, txId?: number): Promise<string[]>;
  setPerms(path: string, perms: readonly string[], txId?: number): Promise<void>;
  watch(path: string, token: string): Promise<void>;
  unwatch(path: string, token: string): Promise<void>;
  /** Receives every WATCH_EVENT (path, token). */
  onWatchEvent(listener: (path: string, token: string) => void): void;
  transactionStart(): Promise<number>;
  /** Commits (`commit` true) or aborts; rejects with `XsError('EAGAIN')` when refused. */
  transactionEnd(txId: number, commit: boolean): Promise<void>;
  /**
   * Runs `fn` in a transaction and commits, starting over on `EAGAIN` by the
   * retry policy (`fn` is re-run from the start each attempt). A thrown
   * error aborts the transaction and rejects.
   */
  transaction<T>(fn: (tx: XsTransactionOps) => Promise<T>, options?: TransactionOptions): Promise<{ value: T; attempts: number }>;
  introduce(domid: number, mfn: number, port: number): Promise<void>;
  release(domid: number): Promise<void>;
  getDomainPath(domid: number): Promise<string>;
  isDomainIntroduced(domid: number): Promise<boolean>;
  resetWatches(): Promise<void>;
  /** Closes the transport; pending calls reject. */
  close(): void;
}
