/**
 * Test harness: xstorm's daemon in-process (no threads), served on
 * microtasks, with clients whose requests are logged, and a fake clock
 * whose sleeps resolve when the test advances time (or at once).
 */
import { Daemon } from '../../daemon/index.ts';
import { createEngine } from '../../engines/index.ts';
import type { EngineKind } from '../../engines/index.ts';
import { XsClient } from '../../protocol/client.ts';
import { MessageDecoder } from '../../protocol/codec.ts';
import type { Clock, ClientObserver, ClientTransport } from '../../protocol/types.ts';
import { xsTypeName } from '../../protocol/codec.ts';

/** A logged request: connection domid, type name, transaction id, payload text (NULs as '|'). */
export interface LoggedRequest {
  /** Label of the connection (e.g. the actor id). */
  readonly label: string;
  readonly domid: number;
  readonly type: string;
  readonly txId: number;
  readonly payload: string;
}

/**
 * A tiny discrete-event clock: time moves by `advance` (the daemon charges
 * each request it serves) and, when nothing is in flight (`isBusy` false),
 * by jumping to the earliest sleep's deadline. Sleeps whose deadline has
 * passed end at the next macrotask turn. Deterministic for a given program.
 */
export class InstantClock implements Clock {
  t = 0;
  /** Whether requests are in flight (set by the daemon harness). */
  isBusy: () => boolean = () => false;
  #timers: { at: number; seq: number; resolve: () => void }[] = [];
  #seq = 0;
  #scheduled = false;

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#timers.push({ at: this.t + ms, seq: this.#seq++, resolve });
      this.kick();
    });
  }

  /** Schedules a turn: due sleeps end; when idle, time jumps to the next deadline. */
  kick(): void {
    if (this.#scheduled || this.#timers.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const first = this.#timers[0];
      if (first && (first.at <= this.t || !this.isBusy())) {
        this.t = Math.max(this.t, first.at);
        while (this.#timers.length && this.#timers[0]!.at <= this.t) this.#timers.shift()!.resolve();
      }
      this.kick();
    });
  }
}

/** An in-process daemon on one engine, with a request log. */
export class InprocDaemon {
  readonly daemon: Daemon;
  readonly log: LoggedRequest[] = [];
  #pumping = false;

  readonly #clock: InstantClock | undefined;
  readonly #costMs: number;
  #inFlight = 0;

  /** With a clock, every request served costs `costMs` of its time and keeps it from jumping ahead. */
  constructor(engine: EngineKind, clock?: InstantClock, costMs = 0.1) {
    this.daemon = new Daemon(createEngine(engine));
    this.#clock = clock;
    this.#costMs = costMs;
    if (clock) clock.isBusy = () => this.#inFlight > 0;
  }

  /** A transport for a `domid` connection. */
  transport(domid: number, label = `dom${domid}`): ClientTransport {
    const dataListeners: ((chunk: Uint8Array) => void)[] = [];
    const closeListeners: ((error?: Error) => void)[] = [];
    const conn = this.daemon.connect(domid, (frame) => {
      const copy = frame.slice();
      // Header word 0 is the type: every reply but a watch event answers one request.
      const answers = new DataView(copy.buffer, copy.byteOffset).getUint32(0, true) !== 15;
      // A macrotask, not a microtask: actors retrying at once (a livelock) must not starve the timers.
      setImmediate(() => {
        for (const l of dataListeners) l(copy);
        // Still in flight until the client has had its microtasks (and sent its next request, if any).
        if (answers) queueMicrotask(() => { this.#inFlight--; });
      });
    });
    const decoder = new MessageDecoder();
    return {
      send: (frame) => {
        decoder.push(frame.slice());
        for (let msg = decoder.next(); msg; msg = decoder.next()) {
          const payload = Buffer.from(msg.payload).toString('latin1').replace(/\0/g, '|');
          this.log.push({ label, domid, type: xsTypeName(msg.type), txId: msg.txId, payload });
          this.#inFlight++;
        }
        conn.receive(frame.slice());
        this.#pump();
      },
      onData: (l) => { dataListeners.push(l); },
      onClose: (l) => { closeListeners.push(l); },
      close: () => {
        conn.close();
        for (const l of closeListeners) queueMicrotask(() => l());
      },
    };
  }

  /** A client for `domid`. */
  client(domid: number, clock: Clock, observer?: ClientObserver, label?: string): XsClient {
    return new XsClient(this.transport(domid, label), { clock, ...(observer ? { observer } : {}) });
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    queueMicrotask(() => {
      this.#pumping = false;
      while (this.daemon.processNext()) this.#clock?.advance(this.#costMs);
      this.#clock?.kick();
    });
  }

  close(): void {
    this.daemon.close();
  }
}
