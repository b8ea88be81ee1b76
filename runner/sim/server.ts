/**
 * The simulated daemon host: xstorm's real {@link Daemon} and engine, served
 * as ONE single-threaded server on the discrete-event clock. Requests travel
 * to the daemon after the transport's one-way delay and queue there; when
 * the server is idle and a connection has work it calls `processNext()`
 * (which executes the request for real and hands its reply and watch events
 * to the sinks synchronously), prices that request with the cost model from
 * the engine counters' increase and the bytes moved, stays busy for that
 * service time, and then sends the captured replies back, each arriving
 * after the transport delay.
 *
 * Only sizes are priced, so messages travel whole, never encoded: a
 * message's size is that of the frame that would carry it
 * ({@link frameLength}, the codec's own arithmetic).
 */
import type { Daemon, DaemonConnection } from '../../daemon/index.ts';
import * as codec from '../../protocol/codec.ts';
import type { MessageSink } from '../../protocol/codec.ts';
import type { MessageTransport } from '../../protocol/client.ts';
import type { XsMessage } from '../../protocol/types.ts';
import type { CostModel, ServiceMeter } from '../cost/model.ts';
import type { SimClock } from './clock.ts';

// tsx compiles each use of an imported binding into a getter call: the hot
// path reads a module constant instead.
const { frameLength } = codec;

/**
 * One message in flight, either way: a request (which the daemon queues as
 * it is) or a reply or watch event.
 */
class SimMessage implements XsMessage {
  /** Bytes of the frame that would carry it. */
  readonly bytes: number;

  constructor(
    readonly link: SimLink,
    readonly type: number,
    readonly reqId: number,
    readonly txId: number,
    readonly payload: Uint8Array,
  ) {
    this.bytes = frameLength(payload.length);
  }
}

/** Hands a reply to its client (a clock event). */
function deliver(item: SimMessage): void {
  item.link.deliver(item);
}

/** One client's end of a simulated connection. */
class SimLink implements MessageTransport {
  readonly #server: SimServer;
  readonly conn: DaemonConnection;
  /** Sizes of requests received by the daemon and not yet served (bytes in of the next request). */
  readonly inSizes: number[] = [];
  inHead = 0;
  /** Index of the client thread this link's requests are prepared on (see CostProfile.client). */
  readonly clientThread: number;
  #messageListeners: MessageSink[] = [];
  #closeListeners: ((error?: Error) => void)[] = [];
  #closed = false;

  constructor(server: SimServer, daemon: Daemon, domid: number, clientThread: number, collect: (item: SimMessage) => void) {
    this.#server = server;
    this.clientThread = clientThread;
    const messages: MessageSink = (type, reqId, txId, payload) => collect(new SimMessage(this, type, reqId, txId, payload));
    this.conn = daemon.connect(domid, { messages }, {
      onClose: (reason) => this.#end(new Error(`daemon closed the connection: ${reason}`)),
    });
  }

  sendMessage(type: number, reqId: number, txId: number, payload: Uint8Array): void {
    if (this.#closed) return;
    this.#server._toDaemon(new SimMessage(this, type, reqId, txId, payload));
  }

  onMessage(listener: MessageSink): void {
    this.#messageListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.#closeListeners.push(listener);
  }

  close(): void {
    if (this.#closed) return;
    if (!this.conn.closed) this.conn.close();
    this.#end(undefined);
  }

  deliver(m: SimMessage): void {
    if (this.#closed) return;
    for (const l of this.#messageListeners) l(m.type, m.reqId, m.txId, m.payload);
  }

  #end(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server._linkClosed();
    for (const l of this.#closeListeners) l(error);
  }

  get closed(): boolean {
    return this.#closed;
  }
}

/** Figures of the simulated daemon for results. */
export interface SimServerStats {
  /** Requests served. */
  readonly requests: number;
  /** Total service time (ms of simulated daemon CPU). */
  readonly busyMs: number;
}

/**
 * A client thread (see CostProfile.client): it works in turns. A turn
 * starts when requests wait and the thread is idle (after the wake-up
 * latency if it slept), costs one wake-up, then `perRequestUs` per request
 * queued when it started; the requests leave together once all are ready.
 * (The ring transport's leading doorbell rings in a microtask, but Node
 * settles the turn's Atomics.waitAsync promises as one batch of tasks
 * before it runs microtasks: measured on tdb at 4 guests, the daemon and
 * client threads strictly alternate.)
 */
interface ClientThread {
  readonly queue: SimMessage[];
  /** In a turn, or a turn is due at this instant. */
  active: boolean;
}

/** The single simulated daemon; see the module comment. */
export class SimServer {
  readonly #clock: SimClock;
  readonly #daemon: Daemon;
  readonly #model: CostModel;
  #busy = false;
  /** Prices each request from the engine's live counters. */
  readonly #meter: ServiceMeter;
  #outbox: SimMessage[] = [];
  #requests = 0;
  #busyUs = 0;
  readonly #collect = (item: SimMessage): void => {
    this.#outbox.push(item);
  };
  readonly #finish = (): void => this.#complete();

  readonly #clientThreads: ClientThread[];
  /** The daemon thread sleeps on its bell: the next request pays the model's daemon wake-up. */
  #asleep = true;
  /**
   * Loop iterations (CostProfile daemon.iterations): requests that arrived
   * after the current iteration read the rings wait for the next one, and
   * an iteration's replies leave together at its end.
   */
  readonly #iterations: boolean;
  #held: SimMessage[] = [];
  /** A wake-up of the sleeping daemon thread is on its way (iterations). */
  #waking = false;
  #linkCount = 0;
  /** Connections open now, and whether the next request served begins a loop iteration (daemon.perConnectionUs). */
  #openLinks = 0;
  #iterationBegins = false;

  constructor(clock: SimClock, daemon: Daemon, model: CostModel) {
    this.#clock = clock;
    this.#daemon = daemon;
    this.#model = model;
    this.#iterations = model.daemonIterations;
    this.#clientThreads = model.hasClientThreads
      ? Array.from({ length: model.clientThreads }, () => ({ queue: [], active: false }))
      : [];
    this.#meter = model.meter(daemon.engine.liveCounters);
    daemon.tick(clock.now());
    this.#armTick();
  }

  /** The instant a clock event will tick the daemon (its {@link Daemon.nextTickMs}), if one is scheduled. */
  #tickAt: number | undefined;

  /**
   * The daemon's time-based policy (oxenstored's conflict credits on
   * trie-replay) runs in `daemon.tick`; this host only ticks it on the
   * simulated clock: when clients send, and at the instant it asks for.
   */
  #armTick(): void {
    let due = this.#daemon.nextTickMs;
    if (due === undefined) return;
    const now = this.#clock.now();
    if (due <= now) {
      this.#daemon.tick(now);
      due = this.#daemon.nextTickMs;
      if (due === undefined) return;
    }
    if (due === this.#tickAt) return;
    this.#tickAt = due;
    this.#clock.schedule(due - now, () => {
      if (this.#tickAt !== due) return;
      this.#tickAt = undefined;
      this.#daemon.tick(this.#clock.now());
      // An unpaused domain's requests wait in its connection: serve them
      // (a sleeping daemon thread wakes on its timeout).
      if (!this.#busy && this.#daemon.hasWork()) this.#serveNext();
      this.#armTick();
    });
  }

  /** Opens a simulated connection for `domid` (the transport an XsClient runs on). */
  connect(domid: number): MessageTransport {
    const threads = Math.max(1, this.#clientThreads.length);
    const link = new SimLink(this, this.#daemon, domid, this.#linkCount++ % threads, this.#collect);
    this.#openLinks++;
    this.#links[link.conn.id] = link;
    return link;
  }

  stats(): SimServerStats {
    return { requests: this.#requests, busyMs: this.#busyUs / 1000 };
  }

  /** @internal A connection closed (either side). */
  _linkClosed(): void {
    this.#openLinks--;
  }

  /** @internal A client sent a request: its client thread (if modelled) prepares it, then it travels to the daemon. */
  _toDaemon(request: SimMessage): void {
    this.#daemon.tick(this.#clock.now());
    this.#armTick();
    const thread = this.#clientThreads[request.link.clientThread];
    if (!thread) {
      this.#depart(request, 0);
      return;
    }
    thread.queue.push(request);
    if (!thread.active) {
      thread.active = true;
      // The thread sleeps: it runs after the wake-up latency (at this instant
      // without one, after every request sent at it has been queued).
      this.#clock.schedule(this.#model.wakeLatencyUs / 1000, () => this.#turn(thread));
    }
  }

  #turn(thread: ClientThread): void {
    const items = thread.queue.splice(0);
    if (items.length === 0) {
      thread.active = false;
      return;
    }
    const m = this.#model;
    let us = m.clientWakeUs * m.wakeLeadFraction;
    if (m.clientLeaveTogether) {
      us += m.clientPerRequestUs * items.length;
      for (const request of items) this.#depart(request, us);
    } else {
      // A socket client writes each request from its reply's callback.
      for (const request of items) this.#depart(request, (us += m.clientPerRequestUs));
    }
    us += m.clientWakeUs * (1 - m.wakeLeadFraction);
    // The next turn (requests sent meanwhile) starts when this one ends.
    this.#clock.schedule(us / 1000, () => this.#turn(thread));
  }

  /** The request leaves its client after `afterUs` and reaches the daemon after the transport delay. */
  #depart(request: SimMessage, afterUs: number): void {
    this.#clock.scheduleCall((afterUs + this.#model.transportUs(request.bytes)) / 1000, this.#arrive, request);
  }

  readonly #arrive = (item: SimMessage): void => {
    if (item.link.conn.closed) return;
    if (!this.#iterations) {
      this.#receive(item);
      this.#serveNext();
      return;
    }
    // Iterations: what arrives while the thread runs waits for its next
    // iteration; a sleeping thread runs after the wake-up latency.
    this.#held.push(item);
    if (this.#asleep && !this.#waking) {
      this.#waking = true;
      this.#clock.schedule(this.#model.wakeLatencyUs / 1000, this.#wake);
    }
  };

  readonly #wake = (): void => {
    this.#waking = false;
    this.#iterationBegins = true;
    this.#readHeld();
    this.#serveNext();
  };

  /** The loop reads the rings: every held frame reaches its connection. */
  #readHeld(): void {
    const held = this.#held;
    this.#held = [];
    for (const request of held) this.#receive(request);
  }

  #receive(request: SimMessage): void {
    const link = request.link;
    if (link.conn.closed) return;
    link.inSizes.push(request.bytes);
    link.conn.receiveMessage(request);
  }

  #serveNext(): void {
    if (this.#busy) return;
    if (!this.#daemon.hasWork()) {
      this.#endIteration();
      return;
    }
    const served = this.#daemon.processNext();
    this.#armTick();
    if (served === undefined) {
      this.#endIteration();
      return;
    }
    let bytesIn = 0;
    const link = this.#linkOf(served);
    if (link && link.inHead < link.inSizes.length) {
      bytesIn = link.inSizes[link.inHead]!;
      link.inHead++;
      if (link.inHead === link.inSizes.length) {
        link.inSizes.length = 0;
        link.inHead = 0;
      }
    }
    let bytesOut = 0;
    for (const o of this.#outbox) bytesOut += o.bytes;
    let serviceUs = this.#meter.serviceUs(bytesIn, bytesOut) + (this.#asleep ? this.#model.daemonWakeUs * this.#model.wakeLeadFraction : 0);
    if (this.#iterationBegins) {
      // A real daemon's loop polls and walks every open connection each time round.
      serviceUs += this.#model.daemonPerConnectionUs * this.#openLinks;
      this.#iterationBegins = false;
    }
    this.#asleep = false;
    this.#requests++;
    this.#busyUs += serviceUs;
    this.#busy = true;
    this.#clock.schedule(serviceUs / 1000, this.#finish);
  }

  #complete(): void {
    this.#busy = false;
    if (!this.#iterations || !this.#model.daemonRepliesTogether) this.#sendReplies();
    this.#serveNext();
  }

  /**
   * No request left to serve: send the iteration's replies, then read what
   * arrived meanwhile, or finish the wake-up's bookkeeping and sleep.
   */
  #endIteration(): void {
    this.#iterationBegins = false;
    if (this.#asleep) return;
    this.#sendReplies();
    if (this.#serveHeld()) return;
    const trailUs = this.#model.daemonWakeUs * (1 - this.#model.wakeLeadFraction);
    if (trailUs > 0 && this.#iterations) {
      // The loop's bookkeeping after the replies left; the thread is busy until it ends.
      this.#busy = true;
      this.#busyUs += trailUs;
      this.#clock.schedule(trailUs / 1000, this.#afterTrail);
      return;
    }
    this.#asleep = true;
  }

  readonly #afterTrail = (): void => {
    this.#busy = false;
    if (!this.#serveHeld()) this.#asleep = true;
  };

  /** The loop reads the rings again: true when that gave it a request to serve (it is being served). */
  #serveHeld(): boolean {
    if (this.#held.length === 0) return false;
    this.#iterationBegins = true;
    this.#readHeld();
    if (!this.#daemon.hasWork()) return false;
    this.#serveNext();
    return true;
  }

  #sendReplies(): void {
    if (this.#outbox.length === 0) return;
    const out = this.#outbox;
    this.#outbox = [];
    for (const item of out) {
      this.#clock.scheduleCall(this.#model.transportUs(item.bytes) / 1000, deliver, item, true);
    }
  }

  /** Links by their connection's id (the daemon numbers connections from 1). */
  readonly #links: SimLink[] = [];

  #linkOf(conn: DaemonConnection): SimLink | undefined {
    return this.#links[conn.id];
  }
}
