/**
 * The xenstore daemon: single-threaded like both real daemons. Transports
 * hand it bytes per connection (`receive`, cheap: buffer and decode); the
 * host calls `processNext()` to serve at most one request, taken
 * round-robin from the connections that have one (one request per
 * connection per turn). The reply and every watch event the request causes
 * go to the connections' `send` sinks synchronously, inside that call, so a
 * simulated driver can price exactly that request by diffing
 * `engine.counters()` around it.
 *
 * Behaviour follows the real Xen 4.17 daemons as measured with
 * ../shared/realxs (see daemon/README.md for the list and the differences).
 */
import { XsError, isXsError } from '../engines/common/errors.ts';
import { domainPath, isPathWithin, resolvePath } from '../engines/common/paths.ts';
import { validatePerms } from '../engines/common/perms.ts';
import type { ConflictThrottle, Engine } from '../engines/types.ts';
import {
  MessageDecoder,
  ProtocolError,
  encodeFrame,
  encodeStrings,
  errorPayload,
  latin1ToBytes,
  okPayload,
  parsePathValue,
  watchEventPayload,
  xsTypeName,
} from '../protocol/codec.ts';
import type { XsMessage } from '../protocol/types.ts';
import { XENSTORE_PAYLOAD_MAX as WIRE_PAYLOAD_MAX, XsType } from '../protocol/wire.ts';
import { oneString, parseDomid, parseUint, strings } from './args.ts';
import { resolveDaemonOptions } from './options.ts';
import type { DaemonOptions, ResolvedDaemonOptions } from './options.ts';
import { StatsCounters } from './stats.ts';
import type { DaemonStats } from './stats.ts';
import { WatchRegistry } from './watches.ts';
import type { Removal, Watch, WatchHit } from './watches.ts';

/** A client connection as the daemon's host sees it. */
export interface DaemonConnection {
  /** Unique per daemon, from 1. */
  readonly id: number;
  /** The connection's domain (0 = privileged; socket connections are dom0). */
  readonly domid: number;
  /** Hands the daemon bytes received from the client (any chunking). Cheap: buffers and decodes only. */
  receive(bytes: Uint8Array): void;
  /** The transport ended: aborts the connection's transactions and drops its watches. */
  close(): void;
  readonly closed: boolean;
  /**
   * Decoded requests waiting to be served. A host stops feeding input while
   * this is at least `maxOutstandingRequests` (flow control).
   */
  readonly pending: number;
}

/** Optional hooks of {@link Daemon.connect}. */
export interface ConnectOptions {
  /**
   * Reply bytes the transport holds unread (e.g. a socket's
   * `writableLength`, a ring's backlog). Lets the daemon pause a connection
   * that does not read its replies and drop one that lets them pile up.
   */
  readonly backlog?: () => number;
  /** Called when the daemon closes the connection itself (the host must end the transport). */
  readonly onClose?: (reason: string) => void;
}

/** Per-transaction state of a connection. */
interface TxState {
  readonly engineTx: number;
  /** Paths removed inside the transaction: their commit events also fire watches below them. */
  removed: Set<string> | undefined;
}

// Wire constants copied into module constants: the dispatch switch and the
// hot path then read plain locals (tsx-compiled imports cost a getter call).
const PAYLOAD_MAX: number = WIRE_PAYLOAD_MAX;
const T_CONTROL: number = XsType.CONTROL;
const T_DIRECTORY: number = XsType.DIRECTORY;
const T_DIRECTORY_PART: number = XsType.DIRECTORY_PART;
const T_ERROR: number = XsType.ERROR;
const T_GET_DOMAIN_PATH: number = XsType.GET_DOMAIN_PATH;
const T_GET_PERMS: number = XsType.GET_PERMS;
const T_INTRODUCE: number = XsType.INTRODUCE;
const T_IS_DOMAIN_INTRODUCED: number = XsType.IS_DOMAIN_INTRODUCED;
const T_MKDIR: number = XsType.MKDIR;
const T_READ: number = XsType.READ;
const T_RELEASE: number = XsType.RELEASE;
const T_RESET_WATCHES: number = XsType.RESET_WATCHES;
const T_RESUME: number = XsType.RESUME;
const T_RM: number = XsType.RM;
const T_SET_PERMS: number = XsType.SET_PERMS;
const T_SET_TARGET: number = XsType.SET_TARGET;
const T_TRANSACTION_END: number = XsType.TRANSACTION_END;
const T_TRANSACTION_START: number = XsType.TRANSACTION_START;
const T_UNWATCH: number = XsType.UNWATCH;
const T_WATCH: number = XsType.WATCH;
const T_WATCH_EVENT: number = XsType.WATCH_EVENT;
const T_WRITE: number = XsType.WRITE;
const EMPTY = new Uint8Array(0);

/** `atoi` of a domid argument (leading digits, else 0), as the real daemons read GET_DOMAIN_PATH's. */
function atoiDomid(text: string): number {
  const m = /^[0-9]{1,5}/.exec(text);
  const n = m ? Number(m[0]) : 0;
  if (n > 0xffff) throw new XsError('EINVAL', `domain id ${n} out of range`);
  return n;
}

/** True when `path` lies strictly below one of `roots`. */
function isBelowAny(path: string, roots: ReadonlySet<string>): boolean {
  for (const r of roots) if (path !== r && isPathWithin(path, r)) return true;
  return false;
}

/**
 * A store path from a request: `@` names are only watch names (cxenstored
 * answers EINVAL to a READ of `@releaseDomain`); the rest resolves like
 * the engines do (relative paths under the caller's home).
 */
function storePath(domid: number, raw: string): string {
  if (raw.charCodeAt(0) === 64 /* @ */) throw new XsError('EINVAL', 'special @ names are not store paths');
  return resolvePath(domid, raw);
}
const TRUE_PAYLOAD = encodeStrings('T');
const FALSE_PAYLOAD = encodeStrings('F');
const INTRODUCE_DOMAIN = '@introduceDomain';
const RELEASE_DOMAIN = '@releaseDomain';

class Connection implements DaemonConnection {
  readonly id: number;
  readonly domid: number;
  readonly send: (frame: Uint8Array) => void;
  readonly backlog: (() => number) | undefined;
  readonly onClose: ((reason: string) => void) | undefined;
  readonly decoder = new MessageDecoder();
  readonly txs = new Map<number, TxState>();
  readonly watches: Watch[] = [];
  /** Prefix stripped from events of relative watches. */
  readonly home: string;
  nextTx = 1;
  inReady = false;
  /** Set when the input stream is broken (oversize frame): the connection is dropped on its next turn. */
  poisoned: string | undefined;
  closed = false;
  #queue: XsMessage[] = [];
  #head = 0;
  readonly #daemon: Daemon;
  readonly #enqueue: (c: Connection) => void;

  constructor(daemon: Daemon, enqueue: (c: Connection) => void, id: number, domid: number, send: (frame: Uint8Array) => void, options: ConnectOptions) {
    this.#daemon = daemon;
    this.#enqueue = enqueue;
    this.id = id;
    this.domid = domid;
    this.send = send;
    this.backlog = options.backlog;
    this.onClose = options.onClose;
    this.home = `${domainPath(domid)}/`;
  }

  get pending(): number {
    return this.#queue.length - this.#head;
  }

  receive(bytes: Uint8Array): void {
    if (this.closed || this.poisoned !== undefined) return;
    this.decoder.push(bytes);
    const before = this.pending;
    try {
      for (let m = this.decoder.next(); m !== undefined; m = this.decoder.next()) this.#queue.push(m);
    } catch (e) {
      this.poisoned = e instanceof ProtocolError ? e.message : String(e);
    }
    if ((this.pending > before || this.poisoned !== undefined) && !this.inReady) this.#enqueue(this);
  }

  dequeue(): XsMessage {
    const m = this.#queue[this.#head]!;
    this.#queue[this.#head] = undefined as unknown as XsMessage;
    this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    return m;
  }

  clearQueue(): void {
    this.#queue.length = 0;
    this.#head = 0;
  }

  close(): void {
    this.#daemon._closeConnection(this, undefined);
  }
}

/**
 * A xenstore daemon over one engine. See the module comment; transports
 * (daemon/socket-host.ts, daemon/thread.ts) feed it.
 */
export class Daemon {
  /** The store (the daemon closes it in {@link close}). */
  readonly engine: Engine;
  readonly #opts: ResolvedDaemonOptions;
  readonly #stats = new StatsCounters();
  readonly #watches = new WatchRegistry();
  readonly #connections = new Map<number, Connection>();
  readonly #introduced = new Set<number>([0]);
  readonly #targets = new Map<number, number>();
  /** Round-robin queue of connections with work (array + head index). */
  #ready: Connection[] = [];
  #readyHead = 0;
  #nextId = 1;
  /** Bumped by every change; DIRECTORY_PART's generation. */
  #generation = 0;
  #closed = false;
  // Scratch of the request being served.
  #changes: string[] = [];
  #changeRemoved: Removal[] = [];
  #hits: WatchHit[] = [];
  /** The engine's conflict-credit throttle, if it models one (requests of paused domains wait). */
  readonly #throttle: ConflictThrottle | undefined;

  constructor(engine: Engine, options: DaemonOptions = {}) {
    this.engine = engine;
    this.#throttle = engine.throttle;
    this.#opts = resolveDaemonOptions(options);
    if (this.#opts.createToolNodes) {
      // What cxenstored 4.17 creates at start (`xenstore-ls -f` on a fresh
      // daemon: /tool, /tool/xenstored, both "" and n0).
      engine.write(0, 0, '/tool/xenstored', '');
    }
  }

  /** Opens a connection for `domid` whose replies and events go to `send`. */
  connect(domid: number, send: (frame: Uint8Array) => void, options: ConnectOptions = {}): DaemonConnection {
    if (this.#closed) throw new Error('daemon is closed');
    if (!Number.isInteger(domid) || domid < 0 || domid > 0xffff) throw new RangeError(`bad domid ${domid}`);
    const c = new Connection(this, this.#enqueue, this.#nextId++, domid, send, options);
    this.#connections.set(c.id, c);
    this.#stats.connections++;
    this.#stats.connectionsTotal++;
    return c;
  }

  /** True when some connection has a request the daemon can serve now. */
  hasWork(): boolean {
    const q = this.#ready;
    for (let i = this.#readyHead; i < q.length; i++) {
      const c = q[i]!;
      if (!c.closed && ((c.pending === 0 && c.poisoned !== undefined) || (c.pending > 0 && !this.#blocked(c)))) return true;
    }
    return false;
  }

  /**
   * True when some connection has a request queued, served now or once its
   * unread replies drain (cheap: no backlog probe). A host that found no
   * work via {@link hasWork} polls again only when this is true.
   */
  hasQueued(): boolean {
    return this.#ready.length > this.#readyHead;
  }

  /**
   * Serves at most one request: the next one in round-robin order among the
   * connections that have one and are not blocked (unread replies past
   * `maxReplyBacklogBytes`, or a domain the engine's throttle paused). Returns the connection served (or dropped for
   * a broken stream), or `undefined` when there was nothing to do.
   */
  processNext(): DaemonConnection | undefined {
    const n = this.#ready.length - this.#readyHead;
    for (let tries = 0; tries < n; tries++) {
      const c = this.#ready[this.#readyHead]!;
      this.#ready[this.#readyHead] = undefined as unknown as Connection;
      this.#readyHead++;
      c.inReady = false;
      if (c.closed) continue;
      if (c.pending === 0) {
        // Requests before a broken frame are served first (in order, as a
        // real daemon reads them); then the connection goes.
        if (c.poisoned === undefined) continue;
        this._closeConnection(c, `broken input: ${c.poisoned}`);
        this.#compactReady();
        return c;
      }
      if (this.#blocked(c)) {
        this.#enqueue(c);
        continue;
      }
      this.#serve(c, c.dequeue());
      if (!c.closed && (c.pending > 0 || c.poisoned !== undefined) && !c.inReady) this.#enqueue(c);
      this.#compactReady();
      return c;
    }
    this.#compactReady();
    return undefined;
  }

  /** A snapshot of the daemon's counters. */
  stats(): DaemonStats {
    return this.#stats.snapshot(this.#watches.size);
  }

  /** Closes every connection (aborting their transactions) and the engine. */
  close(): void {
    if (this.#closed) return;
    for (const c of [...this.#connections.values()]) {
      this._closeConnection(c, undefined);
      c.onClose?.('daemon shutting down');
    }
    this.#closed = true;
    this.engine.close();
  }

  // -------------------------------------------------------------------------
  // connections

  readonly #enqueue = (c: Connection): void => {
    c.inReady = true;
    this.#ready.push(c);
  };

  #compactReady(): void {
    if (this.#readyHead === this.#ready.length) {
      this.#ready.length = 0;
      this.#readyHead = 0;
    } else if (this.#readyHead >= 1024 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready.splice(0, this.#readyHead);
      this.#readyHead = 0;
    }
  }

  /** A connection is not served now: its replies go unread, or its domain is paused by the engine's throttle (oxenstored reads none of its requests). */
  #blocked(c: Connection): boolean {
    return (c.backlog !== undefined && c.backlog() > this.#opts.maxReplyBacklogBytes)
      || (this.#throttle !== undefined && c.domid !== 0 && this.#throttle.isPaused(c.domid));
  }

  /**
   * Ends a connection: aborts its transactions, drops its watches. `reason`
   * set = the daemon drops it (logged; the host is told via `onClose`).
   * @internal
   */
  _closeConnection(c: Connection, reason: string | undefined): void {
    if (c.closed) return;
    c.closed = true;
    c.clearQueue();
    for (const tx of c.txs.values()) {
      try {
        this.engine.txEnd(c.domid, tx.engineTx, false);
      } catch {
        // Already gone in the engine: nothing to undo.
      }
      this.#stats.aborts++;
    }
    c.txs.clear();
    for (const w of c.watches) this.#watches.remove(w);
    c.watches.length = 0;
    this.#connections.delete(c.id);
    this.#stats.connections--;
    if (reason !== undefined) {
      this.#stats.connectionsDropped++;
      this.#opts.log?.('warn', `connection ${c.id} (dom${c.domid}) closed: ${reason}`);
      c.onClose?.(reason);
    }
  }

  // -------------------------------------------------------------------------
  // requests

  #serve(c: Connection, msg: XsMessage): void {
    const stats = this.#stats;
    stats.requests++;
    stats.countType(msg.type);
    this.#changes.length = 0;
    this.#changeRemoved.length = 0;
    let initialEvent: Watch | undefined;
    try {
      const reply = this.#dispatch(c, msg);
      if (reply === null) {
        // WATCH: OK first, then the initial event.
        c.send(encodeFrame(T_WATCH, msg.reqId, msg.txId, okPayload));
        initialEvent = c.watches[c.watches.length - 1];
      } else {
        c.send(encodeFrame(msg.type, msg.reqId, msg.txId, reply));
      }
    } catch (e) {
      let code: string;
      if (isXsError(e)) code = e.code;
      else if (e instanceof ProtocolError) code = 'EINVAL';
      else {
        code = 'EIO';
        stats.internalErrors++;
        this.#opts.log?.('error', `internal error serving ${xsTypeName(msg.type)} on connection ${c.id}: ${(e as Error)?.stack ?? String(e)}`);
      }
      stats.countError(code);
      this.#changes.length = 0;
      c.send(encodeFrame(T_ERROR, msg.reqId, msg.txId, errorPayload(code)));
    }
    if (initialEvent !== undefined) this.#sendEvent(initialEvent, initialEvent.relativePrefix === undefined ? initialEvent.path : initialEvent.path.slice(initialEvent.relativePrefix.length));
    if (this.#changes.length > 0) this.#fire();
  }

  /** Records a change (fires watches after the reply). */
  #changed(path: string, removed: Removal): void {
    this.#generation++;
    this.#changes.push(path);
    this.#changeRemoved.push(removed);
  }

  #fire(): void {
    const hits = this.#hits;
    hits.length = 0;
    for (let i = 0; i < this.#changes.length; i++) this.#watches.collect(this.#changes[i]!, this.#changeRemoved[i]!, hits);
    for (const h of hits) {
      const w = h.watch;
      let path = h.eventPath;
      if (w.relativePrefix !== undefined && path.startsWith(w.relativePrefix)) path = path.slice(w.relativePrefix.length);
      this.#sendEvent(w, path);
    }
    hits.length = 0;
  }

  #sendEvent(w: Watch, path: string): void {
    const owner = w.owner as Connection;
    if (owner.closed) return;
    owner.send(encodeFrame(T_WATCH_EVENT, 0, 0, watchEventPayload(path, w.token)));
    this.#stats.watchEvents++;
    if (owner.backlog !== undefined && owner.backlog() > this.#opts.maxBufferedBytes) {
      this._closeConnection(owner, `more than ${this.#opts.maxBufferedBytes} bytes of replies and events left unread`);
    }
  }

  #txFor(c: Connection, txId: number): number {
    if (txId === 0) return 0;
    const tx = c.txs.get(txId);
    if (tx === undefined) throw new XsError('ENOENT', `no transaction ${txId}`);
    return tx.engineTx;
  }

  /** Whether `path` exists in the committed store (a dom0 read outside any transaction). */
  #exists(path: string): boolean {
    try {
      this.engine.read(0, 0, path);
      return true;
    } catch (e) {
      if (isXsError(e, 'ENOENT')) return false;
      throw e;
    }
  }

  #requirePrivileged(c: Connection): void {
    if (c.domid !== 0) throw new XsError('EACCES', 'privileged operation');
  }

  /** Serves one request; returns the reply payload (`null`: WATCH, whose OK is followed by an event). */
  #dispatch(c: Connection, msg: XsMessage): Uint8Array | null {
    const engine = this.engine;
    const domid = c.domid;
    const p = msg.payload;
    switch (msg.type) {
      case T_READ: {
        const path = storePath(domid, oneString(p));
        return latin1ToBytes(engine.read(domid, this.#txFor(c, msg.txId), path));
      }
      case T_WRITE: {
        const { path: raw, value } = parsePathValue(p);
        const path = storePath(domid, raw);
        const tx = this.#txFor(c, msg.txId);
        engine.write(domid, tx, path, value);
        if (tx === 0) this.#changed(path, undefined);
        return okPayload;
      }
      case T_DIRECTORY: {
        const path = storePath(domid, oneString(p));
        const children = engine.directory(domid, this.#txFor(c, msg.txId), path);
        const out = encodeStrings(...children);
        if (out.length > PAYLOAD_MAX) throw new XsError('E2BIG', 'directory listing exceeds one message');
        return out;
      }
      case T_GET_PERMS: {
        const path = storePath(domid, oneString(p));
        return encodeStrings(...engine.getPerms(domid, this.#txFor(c, msg.txId), path));
      }
      case T_MKDIR: {
        const path = storePath(domid, oneString(p));
        const tx = this.#txFor(c, msg.txId);
        // An existing node is left alone and fires no watch (both real daemons).
        const existed = tx === 0 && this.#exists(path);
        engine.mkdir(domid, tx, path);
        if (tx === 0 && !existed) this.#changed(path, undefined);
        return okPayload;
      }
      case T_RM: {
        const path = storePath(domid, oneString(p));
        if (path === '/') throw new XsError('EINVAL', 'cannot remove the root');
        const tx = this.#txFor(c, msg.txId);
        if (tx !== 0) {
          // Inside a transaction the engine alone decides (every engine acks
          // a missing node whose parent exists): a probing read here would be
          // recorded by the transaction and change its conflict outcome
          // (low-paths in trie, replayed reads in trie-replay). Events come
          // from the commit's changed paths, so a no-op removal fires none.
          engine.rm(domid, tx, path);
          const state = c.txs.get(msg.txId)!;
          (state.removed ??= new Set()).add(path);
          return okPayload;
        }
        // Removing a missing node whose parent exists succeeds without any
        // event (both real daemons); a missing parent is ENOENT.
        if (!this.#exists(path)) {
          if (this.#exists(path.slice(0, Math.max(1, path.lastIndexOf('/'))))) return okPayload;
          throw new XsError('ENOENT', `${path} does not exist`);
        }
        engine.rm(domid, 0, path);
        this.#changed(path, 'rm');
        return okPayload;
      }
      case T_SET_PERMS: {
        const [raw, ...perms] = strings(p, 2, PAYLOAD_MAX);
        const path = storePath(domid, raw!);
        validatePerms(perms);
        const tx = this.#txFor(c, msg.txId);
        engine.setPerms(domid, tx, path, perms);
        if (tx === 0) this.#changed(path, undefined);
        return okPayload;
      }
      case T_WATCH: {
        const [raw, token] = strings(p, 2) as [string, string];
        const { path, prefix } = this.#watchPath(c, raw);
        for (const w of c.watches) {
          if (w.path === path && w.token === token) throw new XsError('EEXIST', 'watch already registered');
        }
        // cxenstored 4.17 (disassembled): `domain_watch(conn) > quota` → E2BIG, so quota + 1 fit.
        if (domid !== 0 && c.watches.length > this.#opts.maxWatchesPerConnection) {
          throw new XsError('E2BIG', `more than ${this.#opts.maxWatchesPerConnection} watches`);
        }
        c.watches.push(this.#watches.add(c, path, token, prefix));
        return null;
      }
      case T_UNWATCH: {
        const [raw, token] = strings(p, 2) as [string, string];
        const { path } = this.#watchPath(c, raw);
        const i = c.watches.findIndex((w) => w.path === path && w.token === token);
        if (i < 0) throw new XsError('ENOENT', 'no such watch');
        this.#watches.remove(c.watches[i]!);
        c.watches.splice(i, 1);
        return okPayload;
      }
      case T_TRANSACTION_START: {
        if (msg.txId !== 0) throw new XsError('EBUSY', 'already in a transaction');
        // cxenstored 4.17 (disassembled): `transaction_started > quota` → ENOSPC, so quota + 1 fit.
        if (domid !== 0 && c.txs.size > this.#opts.maxTransactionsPerConnection) {
          throw new XsError('ENOSPC', `more than ${this.#opts.maxTransactionsPerConnection} open transactions`);
        }
        const engineTx = engine.txStart(domid);
        let id = c.nextTx;
        while (id === 0 || c.txs.has(id)) id = (id + 1) >>> 0;
        c.nextTx = (id + 1) >>> 0;
        c.txs.set(id, { engineTx, removed: undefined });
        return encodeStrings(String(id));
      }
      case T_TRANSACTION_END: {
        const arg = oneString(p);
        if (arg !== 'T' && arg !== 'F') throw new XsError('EINVAL', 'TRANSACTION_END takes T or F');
        const tx = c.txs.get(msg.txId);
        if (tx === undefined) throw new XsError('ENOENT', `no transaction ${msg.txId}`);
        c.txs.delete(msg.txId);
        if (arg === 'F') {
          this.#stats.aborts++;
          engine.txEnd(domid, tx.engineTx, false);
          return okPayload;
        }
        let paths: string[];
        try {
          paths = engine.txEnd(domid, tx.engineTx, true);
        } catch (e) {
          if (isXsError(e, 'EAGAIN')) this.#stats.conflicts++;
          throw e;
        }
        this.#stats.commits++;
        const removed = tx.removed;
        for (const path of paths) {
          if (removed === undefined) this.#changed(path, undefined);
          else if (removed.has(path)) this.#changed(path, 'commit');
          // A node below a removed one is covered by the removal's event
          // (both real daemons fire one event per watch for a removed subtree).
          else if (!isBelowAny(path, removed)) this.#changed(path, undefined);
        }
        return okPayload;
      }
      case T_INTRODUCE: {
        this.#requirePrivileged(c);
        const [d, mfn, port] = strings(p, 3, 4);
        const target = parseDomid(d!);
        parseUint(mfn!);
        parseUint(port!);
        if (this.#introduced.has(target)) throw new XsError('EEXIST', `domain ${target} already introduced`);
        this.#introduced.add(target);
        this.#changed(INTRODUCE_DOMAIN, undefined);
        return okPayload;
      }
      case T_RELEASE: {
        this.#requirePrivileged(c);
        const target = parseDomid(oneString(p));
        if (target === 0) throw new XsError('EINVAL', 'cannot release dom0');
        if (!this.#introduced.delete(target)) throw new XsError('ENOENT', `domain ${target} not introduced`);
        this.#targets.delete(target);
        this.#changed(RELEASE_DOMAIN, undefined);
        return okPayload;
      }
      case T_GET_DOMAIN_PATH:
        // Both real daemons read the domid like atoi ("x" is domain 0).
        return encodeStrings(domainPath(atoiDomid(oneString(p))));
      case T_IS_DOMAIN_INTRODUCED:
        return this.#introduced.has(parseDomid(oneString(p))) ? TRUE_PAYLOAD : FALSE_PAYLOAD;
      case T_RESUME: {
        this.#requirePrivileged(c);
        const target = parseDomid(oneString(p));
        if (target === 0) throw new XsError('EINVAL', 'cannot resume dom0');
        if (!this.#introduced.has(target)) throw new XsError('ENOENT', `domain ${target} not introduced`);
        return okPayload;
      }
      case T_SET_TARGET: {
        this.#requirePrivileged(c);
        const [a, b] = strings(p, 2);
        const d = parseDomid(a!);
        const t = parseDomid(b!);
        if (!this.#introduced.has(d) || !this.#introduced.has(t)) throw new XsError('ENOENT', 'domain not introduced');
        this.#targets.set(d, t);
        return okPayload;
      }
      case T_RESET_WATCHES: {
        // cxenstored 4.17 drops the connection's watches and transactions.
        for (const w of c.watches) this.#watches.remove(w);
        c.watches.length = 0;
        for (const tx of c.txs.values()) {
          this.#stats.aborts++;
          try {
            engine.txEnd(domid, tx.engineTx, false);
          } catch {
            // already gone
          }
        }
        c.txs.clear();
        return okPayload;
      }
      case T_DIRECTORY_PART:
        return this.#directoryPart(c, msg);
      case T_CONTROL: {
        this.#requirePrivileged(c);
        const args = strings(p, 1, 64);
        if (args[0] === 'print') {
          this.#opts.log?.('info', `control: ${args.slice(1).join(' ')}`);
          return okPayload;
        }
        if (args[0] === 'help') return encodeStrings('print <text>\nhelp');
        throw new XsError('EINVAL', `unknown control command ${JSON.stringify(args[0]!.slice(0, 32))}`);
      }
      default:
        // WATCH_EVENT/ERROR sent to the daemon and unknown types: both real daemons say ENOSYS.
        throw new XsError('ENOSYS', `unsupported message type ${msg.type}`);
    }
  }

  /** Resolves a WATCH/UNWATCH path: special `@` names, absolute, or relative to the domain's home. */
  #watchPath(c: Connection, raw: string): { path: string; prefix: string | undefined } {
    if (raw.charCodeAt(0) === 64 /* @ */) {
      if (!/^@[A-Za-z0-9\-/_@]*$/.test(raw) || raw.length > 3072) throw new XsError('EINVAL', 'bad special watch path');
      return { path: raw, prefix: undefined };
    }
    const path = resolvePath(c.domid, raw);
    return { path, prefix: raw.charCodeAt(0) === 47 ? undefined : c.home };
  }

  /**
   * DIRECTORY_PART (cxenstored 4.17 format): `<generation> NUL`, then the
   * children from byte `offset` of the NUL-separated list, as many whole
   * names as fit, and one more NUL when the list is complete.
   */
  #directoryPart(c: Connection, msg: XsMessage): Uint8Array {
    const [raw, off] = strings(msg.payload, 2);
    const path = storePath(c.domid, raw!);
    const offset = parseUint(off!);
    const children = this.engine.directory(c.domid, this.#txFor(c, msg.txId), path);
    const all = encodeStrings(...children);
    if (offset > all.length) throw new XsError('EINVAL', 'offset beyond the listing');
    const gen = encodeStrings(String(this.#generation));
    const rest = all.subarray(offset);
    const room = PAYLOAD_MAX - gen.length - 1;
    let body: Uint8Array;
    let complete: boolean;
    if (rest.length <= room) {
      body = rest;
      complete = true;
    } else {
      const cut = rest.subarray(0, room).lastIndexOf(0);
      if (cut < 0) throw new XsError('E2BIG', 'child name too long');
      body = rest.subarray(0, cut + 1);
      complete = false;
    }
    const out = new Uint8Array(gen.length + body.length + (complete ? 1 : 0));
    out.set(gen, 0);
    out.set(body, gen.length);
    return out.length === 0 ? EMPTY : out;
  }
}
