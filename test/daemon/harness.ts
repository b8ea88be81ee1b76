/**
 * In-process harness for daemon tests: a Daemon over a real engine, and
 * connections whose replies are decoded synchronously into arrays.
 */
import { Daemon } from '../../daemon/index.ts';
import type { ConnectOptions, DaemonConnection, DaemonOptions } from '../../daemon/index.ts';
import { createEngine } from '../../engines/index.ts';
import type { EngineKind } from '../../engines/index.ts';
import { MessageDecoder, bytesToLatin1, encodeFrame, encodePathValue, encodeStrings } from '../../protocol/codec.ts';
import type { XsMessage } from '../../protocol/types.ts';
import { XsType } from '../../protocol/wire.ts';

/** A decoded message in a comparable form. */
export interface Msg {
  type: number;
  reqId: number;
  txId: number;
  text: string;
}

export function toMsg(m: XsMessage): Msg {
  return { type: m.type, reqId: m.reqId, txId: m.txId, text: bytesToLatin1(m.payload) };
}

/** A test connection: `req` sends a frame, runs the daemon to idle, and returns what arrived. */
export class TestConn {
  readonly conn: DaemonConnection;
  readonly inbox: Msg[] = [];
  #decoder = new MessageDecoder();
  #reqId = 0;
  readonly daemon: Daemon;

  constructor(daemon: Daemon, domid: number, options?: ConnectOptions) {
    this.daemon = daemon;
    this.conn = daemon.connect(
      domid,
      (frame) => {
        this.#decoder.push(frame.slice());
        for (let m = this.#decoder.next(); m; m = this.#decoder.next()) this.inbox.push(toMsg(m));
      },
      options,
    );
  }

  /** Queues a request without serving it. */
  queue(type: number, payload: Uint8Array, txId = 0): number {
    const reqId = ++this.#reqId;
    this.conn.receive(encodeFrame(type, reqId, txId, payload));
    return reqId;
  }

  /** Sends one request, serves until idle, returns (and clears) everything received. */
  req(type: number, payload: Uint8Array, txId = 0): Msg[] {
    this.queue(type, payload, txId);
    while (this.daemon.processNext()) {
      // serve to idle
    }
    return this.take();
  }

  take(): Msg[] {
    return this.inbox.splice(0);
  }

  /** The single reply to a request, as `OK`-style text or `ERR:<errno>`. */
  call(type: number, payload: Uint8Array, txId = 0): string {
    const got = this.req(type, payload, txId).filter((m) => m.type !== XsType.WATCH_EVENT);
    if (got.length !== 1) throw new Error(`expected one reply, got ${JSON.stringify(got)}`);
    const m = got[0]!;
    return m.type === XsType.ERROR ? `ERR:${m.text.replace(/\0$/, '')}` : m.text;
  }

  read(path: string, tx = 0): string {
    return this.call(XsType.READ, s(path), tx);
  }

  write(path: string, value: string, tx = 0): string {
    return this.call(XsType.WRITE, encodePathValue(path, value), tx);
  }

  txStart(): number {
    const r = this.call(XsType.TRANSACTION_START, s(''));
    return Number(r.replace(/\0$/, ''));
  }
}

/** NUL-terminated strings. */
export function s(...args: string[]): Uint8Array {
  return encodeStrings(...args);
}

export function newDaemon(kind: EngineKind = 'trie', options: DaemonOptions = {}): Daemon {
  return new Daemon(createEngine(kind, {}), options);
}

/** Watch events in an inbox as `path|token`. */
export function events(msgs: Msg[]): string[] {
  return msgs.filter((m) => m.type === XsType.WATCH_EVENT).map((m) => m.text.split('\0').slice(0, 2).join('|'));
}

/** An absolute path of exactly `n` characters below `prefix` (components of at most 200). */
export function longPath(n: number, prefix = '/'): string {
  let body = '';
  while (body.length < n - prefix.length) body += (body.length === 0 ? '' : '/') + 'a'.repeat(200);
  return (prefix + body).slice(0, n).replace(/\/$/, 'b');
}
