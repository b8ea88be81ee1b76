/**
 * The simulated daemon host: xstorm's real {@link Daemon} and engine, served
 * as ONE single-threaded server on the discrete-event clock. Requests travel
 * to the daemon after the transport's one-way delay and queue there; when
 * the server is idle and a connection has work it calls `processNext()`
 * (which executes the request for real and hands its reply and watch events
 * to the sinks synchronously), prices that request with the cost model from
 * the engine counters' increase and the bytes moved, stays busy for that
 * service time, and then sends the captured frames back, each arriving
 * after the transport delay.
 */
import type { Daemon, DaemonConnection } from '../../daemon/index.ts';
import type { ClientTransport } from '../../protocol/types.ts';
import type { CostModel } from '../cost/model.ts';
import type { SimClock } from './clock.ts';

interface Outgoing {
  readonly link: SimLink;
  readonly frame: Uint8Array;
}

/** One client's end of a simulated connection. */
class SimLink implements ClientTransport {
  readonly #server: SimServer;
  readonly conn: DaemonConnection;
  /** Sizes of frames received by the daemon and not yet served (bytes in of the next request). */
  readonly inSizes: number[] = [];
  inHead = 0;
  /** Index of the client thread this link's requests are prepared on (see CostProfile.client). */
  readonly clientThread: number;
  #dataListeners: ((chunk: Uint8Array) => void)[] = [];
  #closeListeners: ((error?: Error) => void)[] = [];
  #closed = false;

  constructor(server: SimServer, daemon: Daemon, domid: number, clientThread: number, collect: (link: SimLink, frame: Uint8Array) => void) {
    this.#server = server;
    this.clientThread = clientThread;
    this.conn = daemon.connect(domid, (frame) => collect(this, frame), {
      onClose: (reason) => this.#end(new Error(`daemon closed the connection: ${reason}`)),
    });
  }

  send(frame: Uint8Array): void {
    if (this.#closed) return;
    this.#server._toDaemon(this, frame);
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.#dataListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.#closeListeners.push(listener);
  }

  close(): void {
    if (this.#closed) return;
    if (!this.conn.closed) this.conn.close();
    this.#end(undefined);
  }

  deliver(frame: Uint8Array): void {
    if (this.#closed) return;
    for (const l of this.#dataListeners) l(frame);
  }

  #end(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
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

/** The single simulated daemon; see the module comment. */
export class SimServer {
  readonly #clock: SimClock;
  readonly #daemon: Daemon;
  readonly #model: CostModel;
  #busy = false;
  #counters: Record<string, number>;
  #outbox: Outgoing[] = [];
  #requests = 0;
  #busyUs = 0;
  readonly #collect = (link: SimLink, frame: Uint8Array): void => {
    this.#outbox.push({ link, frame });
  };
  readonly #finish = (): void => this.#complete();

  /** Simulated time (ms) until which each client thread is busy. */
  readonly #clientBusyUntil: number[];
  readonly #clientUs: number;
  #linkCount = 0;

  constructor(clock: SimClock, daemon: Daemon, model: CostModel) {
    this.#clock = clock;
    this.#daemon = daemon;
    this.#model = model;
    this.#clientUs = model.clientPerRequestUs;
    this.#clientBusyUntil = new Array<number>(model.clientThreads).fill(0);
    this.#counters = daemon.engine.counters();
  }

  /** Opens a simulated connection for `domid` (the transport an XsClient runs on). */
  connect(domid: number): ClientTransport {
    const link = new SimLink(this, this.#daemon, domid, this.#linkCount++ % this.#clientBusyUntil.length, this.#collect);
    this.#links.set(link.conn.id, link);
    return link;
  }

  stats(): SimServerStats {
    return { requests: this.#requests, busyMs: this.#busyUs / 1000 };
  }

  /** @internal A client sent a frame: it reaches the daemon after the transport delay. */
  _toDaemon(link: SimLink, frame: Uint8Array): void {
    let delayMs = this.#model.transportUs(frame.length) / 1000;
    if (this.#clientUs > 0) {
      // The request waits for its client thread, which then works clientUs on it.
      const now = this.#clock.now();
      const start = Math.max(now, this.#clientBusyUntil[link.clientThread]!);
      const done = start + this.#clientUs / 1000;
      this.#clientBusyUntil[link.clientThread] = done;
      delayMs += done - now;
    }
    this.#clock.schedule(delayMs, () => {
      if (link.conn.closed) return;
      link.inSizes.push(frame.length);
      link.conn.receive(frame);
      this.#serveNext();
    });
  }

  #serveNext(): void {
    if (this.#busy || !this.#daemon.hasWork()) return;
    const before = this.#counters;
    const served = this.#daemon.processNext();
    if (served === undefined) return;
    const after = this.#daemon.engine.counters();
    this.#counters = after;
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
    for (const o of this.#outbox) bytesOut += o.frame.length;
    const serviceUs = this.#model.serviceUs(before, after, bytesIn, bytesOut);
    this.#requests++;
    this.#busyUs += serviceUs;
    this.#busy = true;
    this.#clock.schedule(serviceUs / 1000, this.#finish);
  }

  #complete(): void {
    this.#busy = false;
    const out = this.#outbox;
    this.#outbox = [];
    for (const { link, frame } of out) {
      this.#clock.schedule(this.#model.transportUs(frame.length) / 1000, () => link.deliver(frame), true);
    }
    this.#serveNext();
  }

  readonly #links = new Map<number, SimLink>();

  #linkOf(conn: DaemonConnection): SimLink | undefined {
    return this.#links.get(conn.id);
  }
}
