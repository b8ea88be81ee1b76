/**
 * The ring transport: one `SharedArrayBuffer` per guest connection, laid
 * out like Xen's `struct xenstore_domain_interface` (a 4096-byte page), and
 * `Atomics` doorbells standing for the event channel. Works across
 * worker_threads: a {@link RingEndpoint} is plain data for `postMessage`.
 *
 * Page layout (byte offsets, as in xs_wire.h, then xstorm's extras):
 *
 * | offset | field |
 * |---|---|
 * | 0    | req[1024] — client → daemon bytes |
 * | 1024 | rsp[1024] — daemon → client bytes |
 * | 2048 | u32 req_cons, 2052 req_prod, 2056 rsp_cons, 2060 rsp_prod |
 * | 2064 | u32 server_features, 2068 connection, 2072 error (unused, zero) |
 * | 2080 | i32 client bell (the daemon → guest event channel) |
 * | 2084 | i32 closed flags (1 = client closed, 2 = daemon closed) |
 * | 2088 | i32 req-wait: client waits for req space (daemon must ring it on consume) |
 * | 2092 | i32 rsp-wait: daemon waits for rsp space (client must ring it on consume) |
 *
 * Indices are free-running u32 (wrap at 2^32) and masked by 1023 to index a
 * ring; `prod - cons` (mod 2^32) is the number of unread bytes. Every index,
 * bell and flag access goes through `Atomics` (sequentially consistent),
 * so data bytes written before a producer index store are visible to the
 * reader that loads that index.
 *
 * Bell protocol: a bell is an Int32 counter. To signal, `Atomics.add(+1)`
 * then `Atomics.notify`. A waiter loads the counter, checks for work, then
 * waits while the counter still equals the loaded value — no lost wake-ups.
 * The daemon bell is ONE word shared by all rings of a daemon: the daemon
 * thread waits on it and, when woken, scans its rings. Likewise, the rings
 * of one client thread may share one client bell (`clientBell` of the
 * endpoint, {@link createClientBell}): the daemon then rings that word
 * instead of each page's, and the thread waits once for all its rings (one
 * wake-up per daemon turn instead of one per ring).
 */
import { RING_SIZE } from './wire.ts';
import type { ClientTransport } from './types.ts';

/** A ring connection's shared memory: plain data, `postMessage`-able. */
export interface RingEndpoint {
  /** The `xenstore_domain_interface` page (4096 bytes). */
  readonly sab: SharedArrayBuffer;
  /** One Int32 shared by all rings of a daemon: rung on every client → daemon event. */
  readonly daemonBell: SharedArrayBuffer;
  /**
   * One Int32 shared by the rings of one client thread, rung on every
   * daemon → client event instead of the page's own bell word. Absent:
   * each ring has its own bell (offset 2080 of the page).
   */
  readonly clientBell?: SharedArrayBuffer;
}

/** Size of the shared page. */
export const RING_PAGE_SIZE = 4096;

const MASK = RING_SIZE - 1;
const REQ_OFF = 0;
const RSP_OFF = RING_SIZE;
// Int32 word indices into the page.
const REQ_CONS = 2048 / 4;
const REQ_PROD = 2052 / 4;
const RSP_CONS = 2056 / 4;
const RSP_PROD = 2060 / 4;
const CLIENT_BELL = 2080 / 4;
const CLOSED = 2084 / 4;
const REQ_WAIT = 2088 / 4;
const RSP_WAIT = 2092 / 4;

const CLIENT_CLOSED = 1;
const DAEMON_CLOSED = 2;

/** Allocates the daemon bell (one Int32) for {@link createRingEndpoint}. */
export function createDaemonBell(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

/** Allocates a client bell (one Int32) to share among the rings of one client thread. */
export function createClientBell(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

/**
 * Creates a connection's shared page. `startIndex` (tests) sets all four
 * ring indices, e.g. near 2^32 to exercise wrap-around. `clientBell`: see
 * {@link RingEndpoint.clientBell}.
 */
export function createRingEndpoint(daemonBell: SharedArrayBuffer, startIndex = 0, clientBell?: SharedArrayBuffer): RingEndpoint {
  const sab = new SharedArrayBuffer(RING_PAGE_SIZE);
  const w = new Int32Array(sab);
  const s = startIndex | 0;
  w[REQ_CONS] = s;
  w[REQ_PROD] = s;
  w[RSP_CONS] = s;
  w[RSP_PROD] = s;
  return clientBell === undefined ? { sab, daemonBell } : { sab, daemonBell, clientBell };
}

/** Rings a bell word: +1 then wake its waiters. */
export function ringBell(words: Int32Array, index = 0): void {
  Atomics.add(words, index, 1);
  Atomics.notify(words, index);
}

/** Up to this many bytes are copied by a loop: cheaper than creating views. */
const SMALL_COPY = 64;

/**
 * Copies `src[from..from+n)` into the ring at `base` starting at
 * free-running index `prod`, splitting at the ring edge.
 */
function copyIn(page: Uint8Array, base: number, prod: number, src: Uint8Array, from: number, n: number): void {
  const at = prod & MASK;
  if (n <= SMALL_COPY) {
    for (let i = 0; i < n; i++) page[base + ((at + i) & MASK)] = src[from + i]!;
    return;
  }
  const first = Math.min(n, RING_SIZE - at);
  page.set(from === 0 && first === src.length ? src : src.subarray(from, from + first), base + at);
  if (first < n) page.set(src.subarray(from + first, from + n), base);
}

/** Copies `n` bytes from the ring at `base`, free-running index `cons`, into a new array. */
function copyOut(page: Uint8Array, base: number, cons: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const at = cons & MASK;
  if (n <= SMALL_COPY) {
    for (let i = 0; i < n; i++) out[i] = page[base + ((at + i) & MASK)]!;
    return out;
  }
  const first = Math.min(n, RING_SIZE - at);
  out.set(page.subarray(base + at, base + at + first), 0);
  if (first < n) out.set(page.subarray(base, base + n - first), first);
  return out;
}

/**
 * Outgoing bytes not yet in the ring: a FIFO of frames with a read offset
 * into the first.
 */
class Backlog {
  #frames: Uint8Array[] = [];
  #head = 0;
  #off = 0;
  bytes = 0;

  push(frame: Uint8Array, from: number): void {
    if (from === 0) this.#frames.push(frame);
    else this.#frames.push(frame.subarray(from));
    this.bytes += frame.length - from;
  }

  /**
   * Writes as much as fits into the ring of `page` at `base`; returns the
   * new producer index.
   */
  drain(page: Uint8Array, base: number, prod: number, free: number): number {
    while (free > 0 && this.#head < this.#frames.length) {
      const f = this.#frames[this.#head]!;
      const n = Math.min(free, f.length - this.#off);
      copyIn(page, base, prod, f, this.#off, n);
      prod = (prod + n) | 0;
      free -= n;
      this.bytes -= n;
      this.#off += n;
      if (this.#off === f.length) {
        this.#frames[this.#head] = EMPTY;
        this.#head++;
        this.#off = 0;
      }
    }
    if (this.#head === this.#frames.length) {
      this.#frames.length = 0;
      this.#head = 0;
    } else if (this.#head > 64) {
      this.#frames.splice(0, this.#head);
      this.#head = 0;
    }
    return prod;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Daemon bells due from this thread's clients. Ringing wakes the daemon
 * thread (a futex wake when it sleeps), so bells are coalesced: the first
 * bell of an event-loop turn rings in a microtask (a lone ping-pong client
 * keeps its latency), later ones wait for `setImmediate`, i.e. until every
 * client woken in this turn has sent its requests, and ring once. Dedupe is
 * by SharedArrayBuffer object (clients of one thread that got their
 * endpoints in separate messages hold distinct objects: an extra ring of an
 * awake daemon costs little).
 */
let bellsDue: Int32Array[] = [];
let clientWakes = 0;
let microtaskQueued = false;
let immediateQueued = false;
let rangThisTurn = false;
function ringDaemonBellSoon(bell: Int32Array): void {
  for (const b of bellsDue) if (b.buffer === bell.buffer) return;
  bellsDue.push(bell);
  if (!rangThisTurn) {
    if (!microtaskQueued) {
      microtaskQueued = true;
      queueMicrotask(ringLeading);
    }
  } else if (!immediateQueued) {
    immediateQueued = true;
    setImmediate(ringTrailing);
  }
}
function ringDueBells(): void {
  const due = bellsDue;
  bellsDue = [];
  for (const b of due) ringBell(b);
}
function ringLeading(): void {
  microtaskQueued = false;
  clientWakes++;
  ringDueBells();
  rangThisTurn = true;
  if (!immediateQueued) {
    immediateQueued = true;
    setImmediate(ringTrailing);
  }
}
function ringTrailing(): void {
  immediateQueued = false;
  rangThisTurn = false;
  ringDueBells();
}

/**
 * Turns of this thread's event loop that sent requests to a daemon (rang
 * its bell): with clients that answer every reply by a request, the
 * thread's wake-ups. The real-time driver reports it so calibration can
 * price a wake-up apart from a request. Counted where the turn's leading
 * bell rings, so it costs nothing extra.
 */
export function ringClientWakes(): number {
  return clientWakes;
}

/**
 * Keeps the thread's event loop alive while any ring client is open
 * (`Atomics.waitAsync` alone does not, unlike a socket).
 */
let liveClients = 0;
let keepAliveTimer: ReturnType<typeof setInterval> | undefined;
function acquireKeepAlive(): void {
  if (liveClients++ === 0) {
    keepAliveTimer ??= setInterval(() => {}, 1 << 30);
    keepAliveTimer.ref();
  }
}
function releaseKeepAlive(): void {
  if (--liveClients === 0) keepAliveTimer?.unref();
}

/**
 * The rings of this thread that share one client bell: one `waitAsync` on
 * the bell serves them all (each ring is drained on every ring of it).
 * Keyed by the bell's SharedArrayBuffer object (endpoints that arrived in
 * separate messages hold distinct objects for the same memory: they get
 * separate hubs, each woken by the bell: correct, merely less shared).
 */
class BellHub {
  readonly #bell: Int32Array;
  readonly members = new Set<{ onBell(): void }>();
  #seen: number;
  #armed = false;

  constructor(bell: SharedArrayBuffer) {
    this.#bell = new Int32Array(bell);
    this.#seen = Atomics.load(this.#bell, 0);
  }

  add(member: { onBell(): void }): void {
    this.members.add(member);
    this.#arm();
  }

  delete(member: { onBell(): void }): void {
    this.members.delete(member);
    // A pending waitAsync with no member left settles on the next ring (or never, harmlessly).
  }

  #arm(): void {
    if (this.#armed || this.members.size === 0) return;
    this.#armed = true;
    const r = Atomics.waitAsync(this.#bell, 0, this.#seen);
    if (r.async) r.value.then(this.#wake);
    else queueMicrotask(this.#wake);
  }

  #wake = (): void => {
    this.#armed = false;
    this.#seen = Atomics.load(this.#bell, 0);
    for (const m of this.members) m.onBell();
    this.#arm();
  };
}

const hubs = new WeakMap<SharedArrayBuffer, BellHub>();

/**
 * The guest side of a ring connection. `send` copies frames into the
 * request ring at once (in pieces when the ring is full) and rings the
 * daemon bell soon after, coalesced over all of this thread's clients
 * (see `ringDaemonBellSoon`); replies are read when the client bell changes, through
 * `Atomics.waitAsync`, so any number of clients share one thread's event
 * loop. Like a socket, an open transport keeps the event loop alive.
 */
export class RingClientTransport implements ClientTransport {
  readonly #page: Uint8Array;
  readonly #w: Int32Array;
  readonly #bell: Int32Array;
  readonly #backlog = new Backlog();
  #dataListeners: ((chunk: Uint8Array) => void)[] = [];
  #closeListeners: ((error?: Error) => void)[] = [];
  #closed = false;
  #seen: number;
  /** The thread's hub when the endpoint has a shared client bell. */
  readonly #hub: BellHub | undefined;
  readonly #member = { onBell: (): void => this.#onBell() };

  constructor(endpoint: RingEndpoint) {
    this.#page = new Uint8Array(endpoint.sab);
    this.#w = new Int32Array(endpoint.sab);
    this.#bell = new Int32Array(endpoint.daemonBell);
    this.#seen = Atomics.load(this.#w, CLIENT_BELL);
    acquireKeepAlive();
    if (endpoint.clientBell !== undefined) {
      let hub = hubs.get(endpoint.clientBell);
      if (hub === undefined) {
        hub = new BellHub(endpoint.clientBell);
        hubs.set(endpoint.clientBell, hub);
      }
      this.#hub = hub;
      hub.add(this.#member);
      // Bytes may already wait (none on a fresh ring, but be exact).
      queueMicrotask(this.#member.onBell);
    } else {
      this.#hub = undefined;
      this.#arm();
    }
  }

  send(frame: Uint8Array): void {
    if (this.#closed) throw new Error('ring transport is closed');
    this.#backlog.push(frame, 0);
    this.#pump();
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.#dataListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.#closeListeners.push(listener);
  }

  close(): void {
    if (this.#closed) return;
    Atomics.or(this.#w, CLOSED, CLIENT_CLOSED);
    ringBell(this.#bell);
    this.#finish(undefined);
  }

  /** Bytes queued but not yet in the request ring. */
  get backlog(): number {
    return this.#backlog.bytes;
  }

  #finish(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#hub !== undefined) this.#hub.delete(this.#member);
    // Wake our own pending waitAsync so it settles now.
    else ringBell(this.#w, CLIENT_BELL);
    releaseKeepAlive();
    for (const l of this.#closeListeners) l(error);
  }

  /** Writes backlog into the request ring while there is space. */
  #pump(): void {
    const w = this.#w;
    for (;;) {
      const cons = Atomics.load(w, REQ_CONS);
      const prod = Atomics.load(w, REQ_PROD);
      const free = RING_SIZE - ((prod - cons) >>> 0);
      if (free > 0 && this.#backlog.bytes > 0) {
        Atomics.store(w, REQ_PROD, this.#backlog.drain(this.#page, REQ_OFF, prod, free));
        ringDaemonBellSoon(this.#bell);
      }
      if (this.#backlog.bytes === 0) return;
      // Ring full: ask the daemon to ring us when it consumes, then re-check
      // (it may have consumed between our load and the flag store).
      Atomics.store(w, REQ_WAIT, 1);
      if (RING_SIZE - ((Atomics.load(w, REQ_PROD) - Atomics.load(w, REQ_CONS)) >>> 0) === 0) return;
    }
  }

  /** Reads everything in the response ring and hands it to listeners. */
  #drainResponses(): void {
    const w = this.#w;
    const prod = Atomics.load(w, RSP_PROD);
    const cons = Atomics.load(w, RSP_CONS);
    const n = (prod - cons) >>> 0;
    if (n === 0) return;
    const chunk = copyOut(this.#page, RSP_OFF, cons, n);
    Atomics.store(w, RSP_CONS, prod);
    if (Atomics.load(w, RSP_WAIT) !== 0) {
      Atomics.store(w, RSP_WAIT, 0);
      ringDaemonBellSoon(this.#bell);
    }
    for (const l of this.#dataListeners) l(chunk);
  }

  /** The bell rang (own bell, or the thread's shared one): take replies, send what waits, notice a close. */
  #onBell(): void {
    if (this.#closed) return;
    if (this.#hub === undefined) this.#seen = Atomics.load(this.#w, CLIENT_BELL);
    this.#drainResponses();
    if (this.#closed) return; // a listener closed us
    if (this.#backlog.bytes > 0) this.#pump();
    if ((Atomics.load(this.#w, CLOSED) & DAEMON_CLOSED) !== 0) {
      // Deliver what the daemon wrote before closing, then end.
      this.#drainResponses();
      this.#finish(new Error('ring closed by the daemon'));
      return;
    }
    if (this.#hub === undefined) this.#arm();
  }

  readonly #onOwnBell = (): void => this.#onBell();

  #arm(): void {
    const r = Atomics.waitAsync(this.#w, CLIENT_BELL, this.#seen);
    if (r.async) r.value.then(this.#onOwnBell);
    else queueMicrotask(this.#onOwnBell); // bell already moved on
  }
}

/**
 * The daemon side of a ring connection. The daemon calls `read()` when its
 * bell rang (or on each scan), feeds the bytes into a `MessageDecoder`, and
 * `write()`s reply frames; replies that do not fit stay in `backlog` until
 * `flush()` (call it each turn: the daemon bell rings when the guest frees
 * response space). Every write and consume rings the guest's bell as needed.
 */
export class RingServerPort {
  readonly #page: Uint8Array;
  readonly #w: Int32Array;
  readonly #backlog = new Backlog();
  /** The client's bell: the page's own word, or the client thread's shared one. */
  readonly #bellWords: Int32Array;
  readonly #bellIndex: number;
  readonly #deferBells: boolean;
  #bellDue = false;

  /**
   * `deferBells`: writes and consumes only note that the client's bell is
   * due; the daemon rings it with {@link ringBellIfDue} once it has served
   * every ring of its turn, so a client thread whose rings share one bell
   * is woken once per turn.
   */
  constructor(endpoint: RingEndpoint, options: { readonly deferBells?: boolean } = {}) {
    this.#page = new Uint8Array(endpoint.sab);
    this.#w = new Int32Array(endpoint.sab);
    this.#deferBells = options.deferBells ?? false;
    if (endpoint.clientBell !== undefined) {
      this.#bellWords = new Int32Array(endpoint.clientBell);
      this.#bellIndex = 0;
    } else {
      this.#bellWords = this.#w;
      this.#bellIndex = CLIENT_BELL;
    }
  }

  /** True when request bytes are waiting (cheap check for the scan loop). */
  get readable(): boolean {
    return Atomics.load(this.#w, REQ_PROD) !== Atomics.load(this.#w, REQ_CONS);
  }

  /** Bytes available in the request ring (consumed), or `undefined` if none. */
  read(): Uint8Array | undefined {
    const w = this.#w;
    const prod = Atomics.load(w, REQ_PROD);
    const cons = Atomics.load(w, REQ_CONS);
    const n = (prod - cons) >>> 0;
    if (n === 0) return undefined;
    const chunk = copyOut(this.#page, REQ_OFF, cons, n);
    Atomics.store(w, REQ_CONS, prod);
    if (Atomics.load(w, REQ_WAIT) !== 0) {
      Atomics.store(w, REQ_WAIT, 0);
      this.#ringClient();
    }
    return chunk;
  }

  /** Queues `frame` and writes as much as fits into the response ring. */
  write(frame: Uint8Array): void {
    this.#backlog.push(frame, 0);
    this.flush();
  }

  /** Writes backlog into the response ring as space allows. */
  flush(): void {
    const w = this.#w;
    for (;;) {
      if (this.#backlog.bytes === 0) return;
      const prod = Atomics.load(w, RSP_PROD);
      const free = RING_SIZE - ((prod - Atomics.load(w, RSP_CONS)) >>> 0);
      if (free > 0) {
        Atomics.store(w, RSP_PROD, this.#backlog.drain(this.#page, RSP_OFF, prod, free));
        this.#ringClient();
        if (this.#backlog.bytes === 0) return;
      }
      // Full: ask the guest to ring the daemon bell when it consumes; re-check.
      Atomics.store(w, RSP_WAIT, 1);
      if (RING_SIZE - ((Atomics.load(w, RSP_PROD) - Atomics.load(w, RSP_CONS)) >>> 0) === 0) return;
    }
  }

  /** Reply bytes queued but not yet in the response ring. */
  get backlog(): number {
    return this.#backlog.bytes;
  }

  /** True once the guest closed its side. */
  get clientClosed(): boolean {
    return (Atomics.load(this.#w, CLOSED) & CLIENT_CLOSED) !== 0;
  }

  /** Closes the daemon side; the guest's transport ends after reading what was written. */
  close(): void {
    Atomics.or(this.#w, CLOSED, DAEMON_CLOSED);
    this.#bellDue = false;
    ringBell(this.#bellWords, this.#bellIndex);
  }

  /** Rings the client's bell if a deferred ring is due (see the constructor). */
  ringBellIfDue(): void {
    if (!this.#bellDue) return;
    this.#bellDue = false;
    ringBell(this.#bellWords, this.#bellIndex);
  }

  #ringClient(): void {
    if (this.#deferBells) this.#bellDue = true;
    else ringBell(this.#bellWords, this.#bellIndex);
  }
}
