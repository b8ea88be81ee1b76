/**
 * The xenstore daemon: single-threaded like both real daemons. Transports
 * hand it bytes per connection (`receive`, cheap: buffer and decode); the
 * host calls `processNext()` to serve at most one request, taken
 * round-robin from the connections that have one (one request per
 * connection per turn). The reply and every watch event the request causes
 * go to the connections' `send` sinks synchronously, inside that call, so a
 * simulated driver can price exactly that request by diffing the engine's
 * counters around it.
 *
 * Requests are served by a handler table (daemon/handlers/, one module per
 * family). Time-based policy (oxenstored's conflict-credit refills,
 * daemon/refills.ts) runs in {@link Daemon.tick}, which every host calls
 * with its own clock. Limits follow the real daemon each engine models
 * (daemon/limits.ts).
 *
 * Behaviour follows the real Xen daemons as measured with ../shared/realxs
 * (see daemon/README.md for the list and the differences).
 */
import * as errors from '../engines/common/errors.ts';
import { parentPath } from '../engines/common/paths.ts';
import { hasAccess } from '../engines/common/perms.ts';
import type { Engine } from '../engines/types.ts';
import * as codec from '../protocol/codec.ts';
import type { XsMessage } from '../protocol/types.ts';
import { XsType } from '../protocol/wire.ts';
import { Connection } from './connection.ts';
import type { ConnectOptions, ConnectionOwner, DaemonConnection, ReplySink } from './connection.ts';
import { DaemonCore } from './core.ts';
import type { OldPerms } from './core.ts';
import * as handlers from './handlers/index.ts';
import { defaultMaxOpenTransactions } from './limits.ts';
import { DaemonLog } from './log.ts';
import { resolveDaemonOptions } from './options.ts';
import type { DaemonOptions, ResolvedDaemonOptions } from './options.ts';
import { CreditRefills } from './refills.ts';
import { StatsCounters } from './stats.ts';
import type { DaemonStats } from './stats.ts';
import { WatchRegistry } from './watches.ts';
import type { Watch, WatchHit } from './watches.ts';

// tsx compiles each use of an imported binding into a getter call: the hot
// path reads these module constants instead.
const { XsError, isXsError } = errors;
const { ProtocolError, errorPayload, okPayload, watchEventPayload, xsTypeName } = codec;
const { HANDLERS, HANDLER_TABLE_SIZE, abortAllTransactions, dropAllWatches } = handlers;

export type { ConnectOptions, DaemonConnection, ReplySink } from './connection.ts';

// Module constants: the hot path then reads plain locals (tsx-compiled
// imports cost a getter call).
const T_ERROR: number = XsType.ERROR;
const T_WATCH: number = XsType.WATCH;
const T_WATCH_EVENT: number = XsType.WATCH_EVENT;

/**
 * A xenstore daemon over one engine. See the module comment; transports
 * (daemon/socket-host.ts, daemon/worker.ts, runner/sim/server.ts) feed it.
 */
export class Daemon {
  /** The store (the daemon closes it in {@link close}). */
  readonly engine: Engine;
  readonly #opts: ResolvedDaemonOptions;
  readonly #core: DaemonCore;
  readonly #stats = new StatsCounters();
  readonly #watches = new WatchRegistry();
  readonly #log: DaemonLog;
  readonly #connections = new Map<number, Connection>();
  /** Round-robin queue of connections with work: `#ready[#readyHead..#readyTail)` (the array keeps its capacity). */
  #ready: (Connection | undefined)[] = [];
  #readyHead = 0;
  #readyTail = 0;
  #nextId = 1;
  #closed = false;
  #hits: WatchHit[] = [];
  /** The engine's conflict-credit throttle, if it models one (requests of paused domains wait). */
  readonly #throttle: Engine['throttle'];
  readonly #refills: CreditRefills | undefined;
  readonly #owner: ConnectionOwner = {
    enqueue: (c) => this.#enqueue(c),
    closeConnection: (c, reason) => this.#closeConnection(c, reason),
  };

  constructor(engine: Engine, options: DaemonOptions = {}) {
    this.engine = engine;
    this.#throttle = engine.throttle;
    this.#refills = engine.throttle ? new CreditRefills(engine.throttle) : undefined;
    this.#opts = resolveDaemonOptions(options);
    this.#log = new DaemonLog(this.#opts.log);
    this.#core = new DaemonCore(
      engine,
      this.#opts,
      this.#opts.maxOpenTransactions ?? defaultMaxOpenTransactions(engine.kind),
      this.#stats,
      this.#watches,
      this.#log,
    );
    if (this.#opts.createToolNodes) {
      // What cxenstored 4.17 creates at start (`xenstore-ls -f` on a fresh
      // daemon: /tool, /tool/xenstored, both "" and n0).
      engine.write(0, 0, '/tool/xenstored', '');
    }
  }

  /** Opens a connection for `domid` whose replies and events go to `sink`. */
  connect(domid: number, sink: ReplySink, options: ConnectOptions = {}): DaemonConnection {
    if (this.#closed) throw new Error('daemon is closed');
    if (!Number.isInteger(domid) || domid < 0 || domid > 0xffff) throw new RangeError(`bad domid ${domid}`);
    const c = new Connection(this.#owner, this.#nextId++, domid, sink, options);
    this.#connections.set(c.id, c);
    this.#stats.connections++;
    this.#stats.connectionsTotal++;
    return c;
  }

  /**
   * The host's clock reads `nowMs` (milliseconds, monotonic, the same
   * clock on every call): runs the time-based policy that is due (the
   * conflict-credit refills of engines that model them). Hosts call it
   * when clients send requests and at {@link nextTickMs}; after it, paused
   * domains may have work ({@link hasWork}).
   */
  tick(nowMs: number): void {
    this.#core.nowMs = nowMs;
    this.#refills?.tick(nowMs);
  }

  /**
   * When the host must call {@link tick} next, on its clock: a time,
   * `-Infinity` for "at once" (after the request just served), or
   * `undefined` when nothing is timed (tick again when clients send).
   */
  get nextTickMs(): number | undefined {
    return this.#refills?.nextTickMs;
  }

  /** True when some connection has a request the daemon can serve now. */
  hasWork(): boolean {
    const q = this.#ready;
    for (let i = this.#readyHead; i < this.#readyTail; i++) {
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
    return this.#readyTail > this.#readyHead;
  }

  /**
   * Serves at most one request: the next one in round-robin order among the
   * connections that have one and are not blocked (unread replies past
   * `maxReplyBacklogBytes`, or a domain the engine's throttle paused).
   * Returns the connection served (or dropped for a broken stream), or
   * `undefined` when there was nothing to do.
   */
  processNext(): DaemonConnection | undefined {
    const n = this.#readyTail - this.#readyHead;
    for (let tries = 0; tries < n; tries++) {
      const c = this.#ready[this.#readyHead]!;
      this.#ready[this.#readyHead] = undefined;
      this.#readyHead++;
      c.inReady = false;
      if (c.closed) continue;
      if (c.pending === 0) {
        // Requests before a broken frame are served first (in order, as a
        // real daemon reads them) and their replies delivered; then the
        // connection goes.
        if (c.poisoned === undefined) continue;
        this.#closeConnection(c, `broken input: ${c.poisoned}`);
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
    return this.#stats.snapshot(this.#watches.size, this.#core.openTransactions, this.#log.suppressed);
  }

  /** Closes every connection (aborting their transactions) and the engine. */
  close(): void {
    if (this.#closed) return;
    for (const c of [...this.#connections.values()]) {
      this.#closeConnection(c, undefined);
      c.onClose?.('daemon shutting down');
    }
    this.#closed = true;
    this.#log.flush();
    this.engine.close();
  }

  // -------------------------------------------------------------------------
  // connections

  #enqueue(c: Connection): void {
    c.inReady = true;
    this.#ready[this.#readyTail++] = c;
  }

  #compactReady(): void {
    const head = this.#readyHead;
    if (head === this.#readyTail) {
      this.#readyHead = 0;
      this.#readyTail = 0;
    } else if (head >= 1024 && head * 2 > this.#readyTail) {
      const q = this.#ready;
      q.copyWithin(0, head, this.#readyTail);
      this.#readyTail -= head;
      q.fill(undefined, this.#readyTail, this.#readyTail + head);
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
   * set = the daemon drops it (logged, rate-limited; the host is told via
   * `onClose`).
   */
  #closeConnection(c: Connection, reason: string | undefined): void {
    if (c.closed) return;
    c.closed = true;
    c.clearQueue();
    abortAllTransactions(this.#core, c);
    dropAllWatches(this.#core, c);
    this.#connections.delete(c.id);
    this.#stats.connections--;
    if (reason !== undefined) {
      this.#stats.connectionsDropped++;
      this.#log.write('connection-dropped', 'warn', this.#core.nowMs, `connection ${c.id} (dom${c.domid}) closed: ${reason}`);
      c.onClose?.(reason);
    }
  }

  // -------------------------------------------------------------------------
  // requests

  #serve(c: Connection, msg: XsMessage): void {
    const stats = this.#stats;
    const core = this.#core;
    stats.requests++;
    const type = msg.type;
    stats.countType(type);
    let initialEvent: Watch | undefined;
    try {
      const handler = type < HANDLER_TABLE_SIZE ? HANDLERS[type] : undefined;
      // WATCH_EVENT/ERROR sent to the daemon and unknown types: both real daemons say ENOSYS.
      if (handler === undefined) throw new XsError('ENOSYS', `unsupported message type ${type}`);
      const reply = handler(core, c, msg);
      if (reply === null) {
        // WATCH: OK first, then the initial event.
        c.send(T_WATCH, msg.reqId, msg.txId, okPayload);
        initialEvent = c.watches[c.watches.length - 1];
      } else {
        c.send(type, msg.reqId, msg.txId, reply);
      }
    } catch (e) {
      let code: string;
      if (isXsError(e)) code = e.code;
      else if (e instanceof ProtocolError) code = 'EINVAL';
      else {
        code = 'EIO';
        stats.internalErrors++;
        this.#log.write('internal-error', 'error', core.nowMs, `internal error serving ${xsTypeName(type)} on connection ${c.id}: ${(e as Error)?.stack ?? String(e)}`);
      }
      stats.countError(code);
      core.clearChanges();
      c.send(T_ERROR, msg.reqId, msg.txId, errorPayload(code));
    }
    // The initial event goes out whatever the caller may read (cxenstored 4.17 sends it unchecked).
    if (initialEvent !== undefined) this.#sendEvent(initialEvent, initialEvent.relativePrefix === undefined ? initialEvent.path : initialEvent.path.slice(initialEvent.relativePrefix.length));
    if (core.changeCount > 0) this.#fire();
  }

  #fire(): void {
    const core = this.#core;
    const hits = this.#hits;
    const changes = core.changes;
    let filter: WatchFilter | undefined;
    const check = core.checkWatchPermissions;
    for (let i = 0; i < core.changeCount; i++) {
      const from = hits.length;
      this.#watches.collect(changes[i]!, core.changeRemoved[i]!, hits);
      if (!check) continue;
      for (let j = from; j < hits.length; j++) {
        const h = hits[j]!;
        const domid = h.watch.owner.domid;
        if (domid === 0) continue;
        // XSA-115: an unprivileged watcher hears of a change only when it
        // may read the node (or its parent, or the node as it was).
        filter ??= new WatchFilter(core);
        if (!filter.permitted(domid, h.eventPath, core.changeOldPerms[i])) {
          hits[j] = FILTERED;
          this.#stats.watchEventsFiltered++;
        }
      }
    }
    core.clearChanges();
    for (const h of hits) {
      if (h === FILTERED) continue;
      const w = h.watch;
      let path = h.eventPath;
      if (w.relativePrefix !== undefined && path.startsWith(w.relativePrefix)) path = path.slice(w.relativePrefix.length);
      this.#sendEvent(w, path);
    }
    if (hits.length !== 0) hits.length = 0;
  }

  #sendEvent(w: Watch, path: string): void {
    const owner = w.owner as Connection;
    if (owner.closed) return;
    owner.send(T_WATCH_EVENT, 0, 0, watchEventPayload(path, w.token));
    this.#stats.watchEvents++;
    if (owner.backlog !== undefined && owner.backlog() > this.#opts.maxBufferedBytes) {
      this.#closeConnection(owner, `more than ${this.#opts.maxBufferedBytes} bytes of replies and events left unread`);
    }
  }
}

/** A hit dropped by the XSA-115 filter. */
const FILTERED: WatchHit = Object.freeze({ watch: undefined as unknown as Watch, eventPath: '' });

/**
 * cxenstored 4.17's `watch_permitted` (XSA-115) for one change: the
 * watcher's domain hears of a change at a node when it may read the node's
 * permissions before the change, or the node (as it is, or as it was when
 * removed), or the node's parent. The `@` names fire for dom0 only (their
 * default permissions in 4.17; xstorm has no SET_PERMS for them). Lookups
 * are cached for the change's watchers.
 */
class WatchFilter {
  readonly #core: DaemonCore;
  readonly #perms = new Map<string, readonly string[] | undefined>();

  constructor(core: DaemonCore) {
    this.#core = core;
  }

  permitted(domid: number, path: string, oldPerms: OldPerms | undefined): boolean {
    if (path.charCodeAt(0) === 64 /* @ */) return false;
    const old = oldPerms?.get(path);
    if (old !== undefined && hasAccess(old, domid, 'read')) return true;
    const node = this.#current(path) ?? old;
    if (node === undefined) return false;
    if (hasAccess(node, domid, 'read')) return true;
    if (path === '/') return false;
    const parent = parentPath(path);
    const parentPerms = this.#current(parent) ?? oldPerms?.get(parent);
    return parentPerms !== undefined && hasAccess(parentPerms, domid, 'read');
  }

  #current(path: string): readonly string[] | undefined {
    if (this.#perms.has(path)) return this.#perms.get(path);
    const p = this.#core.permsOf(path);
    this.#perms.set(path, p);
    return p;
  }
}
