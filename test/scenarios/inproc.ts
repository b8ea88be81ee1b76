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

/** A clock whose time only moves when sleeps are taken: a sleep advances time to its deadline at once (in deadline order). */
export class InstantClock implements Clock {
  t = 0;
  #timers: { at: number; seq: number; resolve: () => void }[] = [];
  #seq = 0;
  #scheduled = false;

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#timers.push({ at: this.t + ms, seq: this.#seq++, resolve });
      this.#schedule();
    });
  }

  // Fire the earliest timer only once everything else has gone quiet (a macrotask later),
  // so requests in flight complete before time jumps.
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers.shift();
      if (!next) return;
      this.t = Math.max(this.t, next.at);
      next.resolve();
      if (this.#timers.length) this.#schedule();
    });
  }
}

/** An in-process daemon on one engine, with a request log. */
export class InprocDaemon {
  readonly daemon: Daemon;
  readonly log: LoggedRequest[] = [];
  #pumping = false;

  constructor(engine: EngineKind) {
    this.daemon = new Daemon(createEngine(engine));
  }

  /** A transport for a `domid` connection. */
  transport(domid: number, label = `dom${domid}`): ClientTransport {
    const dataListeners: ((chunk: Uint8Array) => void)[] = [];
    const closeListeners: ((error?: Error) => void)[] = [];
    const conn = this.daemon.connect(domid, (frame) => {
      const copy = frame.slice();
      queueMicrotask(() => { for (const l of dataListeners) l(copy); });
    });
    const decoder = new MessageDecoder();
    return {
      send: (frame) => {
        decoder.push(frame.slice());
        for (let msg = decoder.next(); msg; msg = decoder.next()) {
          const payload = Buffer.from(msg.payload).toString('latin1').replace(/\0/g, '|');
          this.log.push({ label, domid, type: xsTypeName(msg.type), txId: msg.txId, payload });
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
      while (this.daemon.processNext()) { /* serve everything queued */ }
    });
  }

  close(): void {
    this.daemon.close();
  }
}
