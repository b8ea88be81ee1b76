/**
 * One client connection inside the daemon: its decoder and queue of
 * decoded requests, its transactions and watches. Hosts see it through
 * {@link DaemonConnection}; handlers (daemon/handlers/) use the rest.
 */
import { domainPath } from '../engines/common/paths.ts';
import * as codec from '../protocol/codec.ts';
import type { MessageSink } from '../protocol/codec.ts';
import type { XsMessage } from '../protocol/types.ts';
import type { Watch } from './watches.ts';

// tsx compiles each use of an imported binding into a getter call: the hot
// path reads these module constants instead.
const { MessageDecoder, ProtocolError, encodeFrame, frameLength } = codec;

/**
 * Where a connection's replies and events go: encoded frames (sockets,
 * rings), or whole messages for a host that moves them without bytes (the
 * simulated one, which prices {@link codec.frameLength} bytes per message).
 */
export type ReplySink = ((frame: Uint8Array) => void) | { readonly messages: MessageSink };

/** A client connection as the daemon's host sees it. */
export interface DaemonConnection {
  /** Unique per daemon, from 1. */
  readonly id: number;
  /** The connection's domain (0 = privileged; socket connections are dom0). */
  readonly domid: number;
  /** Hands the daemon bytes received from the client (any chunking). Cheap: buffers and decodes only. */
  receive(bytes: Uint8Array): void;
  /**
   * Hands the daemon one whole request (a host that moves messages without
   * bytes; the sender has refused payloads no frame could carry). The
   * daemon keeps `msg` until it serves it and never modifies it.
   */
  receiveMessage(msg: XsMessage): void;
  /** The transport ended: aborts the connection's transactions and drops its watches. */
  close(): void;
  readonly closed: boolean;
  /**
   * Decoded requests waiting to be served. A host stops reading a
   * connection's input while this is at least `maxOutstandingRequests`
   * (back-pressure) and reads again once it has dropped.
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
  /**
   * Called when the daemon closes the connection itself. The host sends
   * what the connection's sink already holds (replies to the requests that
   * were served), then ends the transport.
   */
  readonly onClose?: (reason: string) => void;
}

/** Per-transaction state of a connection. */
export interface TxState {
  readonly engineTx: number;
  /** Paths removed inside the transaction: their commit events also fire watches below them. */
  removed: Set<string> | undefined;
  /** Committed permissions of nodes the transaction changed the permissions of or removed, when first touched (XSA-115: events also reach who could read them before). */
  oldPerms: Map<string, readonly string[]> | undefined;
}

/** What a connection needs of its daemon. */
export interface ConnectionOwner {
  /** Puts `c` on the round-robin queue of connections with work. */
  enqueue(c: Connection): void;
  /** Ends `c` (see `Daemon#closeConnection`). */
  closeConnection(c: Connection, reason: string | undefined): void;
}

/** The daemon's side of one connection. */
export class Connection implements DaemonConnection {
  readonly id: number;
  readonly domid: number;
  /** Exactly one of these is set (see {@link ReplySink}). */
  readonly #frames: ((frame: Uint8Array) => void) | undefined;
  readonly #messages: MessageSink | undefined;
  readonly backlog: (() => number) | undefined;
  readonly onClose: ((reason: string) => void) | undefined;
  readonly decoder = new MessageDecoder();
  readonly txs = new Map<number, TxState>();
  readonly watches: Watch[] = [];
  /** Prefix stripped from events of relative watches (`/local/domain/<domid>/`). */
  readonly home: string;
  nextTx = 1;
  /** On the daemon's round-robin queue now. */
  inReady = false;
  /** Set when the input stream is broken (oversize frame): the connection is dropped once the requests before it are served. */
  poisoned: string | undefined;
  closed = false;
  /** Queued requests live in `#queue[#head..#tail)`; the array keeps its capacity (no length writes on the hot path). */
  #queue: (XsMessage | undefined)[] = [];
  #head = 0;
  #tail = 0;
  readonly #owner: ConnectionOwner;

  constructor(owner: ConnectionOwner, id: number, domid: number, sink: ReplySink, options: ConnectOptions) {
    this.#owner = owner;
    this.id = id;
    this.domid = domid;
    if (typeof sink === 'function') {
      this.#frames = sink;
      this.#messages = undefined;
    } else {
      this.#frames = undefined;
      this.#messages = sink.messages;
    }
    this.backlog = options.backlog;
    this.onClose = options.onClose;
    this.home = `${domainPath(domid)}/`;
  }

  get pending(): number {
    return this.#tail - this.#head;
  }

  receive(bytes: Uint8Array): void {
    if (this.closed || this.poisoned !== undefined) return;
    const decoder = this.decoder;
    decoder.push(bytes);
    const before = this.pending;
    try {
      for (let m = decoder.next(); m !== undefined; m = decoder.next()) this.#queue[this.#tail++] = m;
    } catch (e) {
      this.poisoned = e instanceof ProtocolError ? e.message : String(e);
    }
    if ((this.pending > before || this.poisoned !== undefined) && !this.inReady) this.#owner.enqueue(this);
  }

  receiveMessage(msg: XsMessage): void {
    if (this.closed || this.poisoned !== undefined) return;
    this.#queue[this.#tail++] = msg;
    if (!this.inReady) this.#owner.enqueue(this);
  }

  /**
   * Sends one reply or event to the sink. Throws `ProtocolError('oversize')`
   * for a payload no frame can carry, whichever the sink.
   */
  send(type: number, reqId: number, txId: number, payload: Uint8Array): void {
    if (this.#messages === undefined) {
      this.#frames!(encodeFrame(type, reqId, txId, payload));
    } else {
      frameLength(payload.length);
      this.#messages(type, reqId, txId, payload);
    }
  }

  /** Takes the oldest queued request (the caller checked `pending > 0`). */
  dequeue(): XsMessage {
    const q = this.#queue;
    const m = q[this.#head]!;
    q[this.#head] = undefined;
    this.#head++;
    if (this.#head === this.#tail) {
      this.#head = 0;
      this.#tail = 0;
    } else if (this.#head >= 1024 && this.#head * 2 > this.#tail) {
      // Mostly consumed: move the rest to the front.
      q.copyWithin(0, this.#head, this.#tail);
      this.#tail -= this.#head;
      q.fill(undefined, this.#tail, this.#tail + this.#head);
      this.#head = 0;
    }
    return m;
  }

  clearQueue(): void {
    this.#queue = [];
    this.#head = 0;
    this.#tail = 0;
  }

  close(): void {
    this.#owner.closeConnection(this, undefined);
  }
}
