/**
 * Serves a {@link Daemon} on a Unix socket (the path real Xen tools use).
 * Socket clients are privileged dom0 connections, as on a real host.
 *
 * Incoming bytes are only decoded in the read callback; requests are
 * served in batches from `setImmediate`, round-robin across connections,
 * so one busy client cannot starve the others. The replies and events a
 * batch produces for one connection are encoded straight into that
 * connection's output buffer (a message sink: no frame objects, no copy
 * at the write) and leave in one
 * write as soon as that connection has nothing more queued in the batch
 * (else at the batch's end): one syscall per connection per batch, and a
 * client with one request in flight gets its reply without waiting for the
 * rest of the batch (it works while the daemon serves the others).
 *
 * Back-pressure: a connection with `maxOutstandingRequests` decoded
 * requests waiting is not read (its bytes wait in the kernel, and a client
 * that keeps writing blocks), and is read again once half of them are
 * served. A client that pipelines is slowed, never dropped; the daemon
 * closes only a client that lets its unread replies and events pile up
 * past `maxBufferedBytes`.
 *
 * Time: the host ticks the daemon ({@link Daemon.tick}) at every batch and
 * wakes it at {@link Daemon.nextTickMs} with one timer; it keeps no policy
 * of its own.
 */
import { listenUnixSocket } from '../protocol/socket.ts';
import type { SocketServerConnection } from '../protocol/socket.ts';
import type { Daemon, DaemonConnection } from './daemon.ts';
import { DAEMON_DEFAULTS } from './options.ts';
import { FrameBatch } from '../protocol/frame-batch.ts';

/** A daemon listening on a socket. */
export interface DaemonSocketServer {
  readonly path: string;
  /** Stops listening, drops every connection and removes the socket file (the daemon stays open). */
  close(): Promise<void>;
}

/** Options of {@link serveDaemonOnSocket}. */
export interface SocketHostOptions {
  /** Requests served per event-loop turn before yielding to I/O (default 512). */
  readonly batch?: number;
  /**
   * Decoded requests per connection past which the host stops reading it
   * (default: the daemon's default `maxOutstandingRequests`, 1024); it
   * reads again below half of this.
   */
  readonly maxOutstandingRequests?: number;
  /** @deprecated Ignored: a pipelining client is no longer closed (back-pressure instead). */
  readonly maxQueuedRequests?: number;
  readonly log?: (message: string) => void;
}

/** First size of a link's output buffer (it grows when a batch needs more). */
const OUT_INITIAL = 4096;

/** One socket connection: its daemon connection and the replies gathered during a batch. */
class Link {
  readonly sc: SocketServerConnection;
  conn: DaemonConnection = undefined as unknown as DaemonConnection;
  /** Replies gathered during the batch, encoded straight in. */
  readonly out = new FrameBatch(OUT_INITIAL);
  /** Not read now (back-pressure). */
  paused = false;
  constructor(sc: SocketServerConnection) {
    this.sc = sc;
  }
}

/** Writes a link's gathered replies: one syscall, no copy. */
function flushLink(o: Link): void {
  if (o.out.length === 0) return;
  const sc = o.sc;
  const bytes = o.out.take();
  if (sc.writeNow !== undefined) sc.writeNow(bytes);
  else sc.write(bytes);
  // Bytes the kernel did not take yet are still read from the batch's
  // buffer (rare: a client that does not read).
  if (sc.writableLength > 0) o.out.release();
}

/** Listens on `path` and serves `daemon` to every connection. */
export async function serveDaemonOnSocket(daemon: Daemon, path: string, options: SocketHostOptions = {}): Promise<DaemonSocketServer> {
  const batch = options.batch ?? 512;
  const highWater = options.maxOutstandingRequests ?? DAEMON_DEFAULTS.maxOutstandingRequests;
  const lowWater = Math.floor(highWater / 2);
  let scheduled = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let tickTimer: ReturnType<typeof setTimeout> | undefined;
  let tickTimerAt: number | undefined;
  let stopped = false;
  /** True while a batch runs (its sends are flushed at its end). */
  let inPump = false;
  /** Links holding frames, in the order they got their first one. */
  const dirty: Link[] = [];
  /** Links not read now (back-pressure). */
  const paused = new Set<Link>();
  /** Links by daemon connection id. */
  const links = new Map<number, Link>();


  const flush = (): void => {
    if (dirty.length === 0) return;
    for (let i = 0; i < dirty.length; i++) flushLink(dirty[i]!);
    dirty.length = 0;
  };

  /** Ticks the daemon when it asks to be ticked at once, and keeps one timer for its next deadline. */
  const armTick = (now: number): void => {
    let due = daemon.nextTickMs;
    if (due === undefined) return;
    if (due <= now) {
      daemon.tick(now);
      due = daemon.nextTickMs;
      if (due === undefined) return;
    }
    if (tickTimerAt === due) return;
    if (tickTimer !== undefined) clearTimeout(tickTimer);
    tickTimerAt = due;
    tickTimer = setTimeout(() => {
      tickTimer = undefined;
      tickTimerAt = undefined;
      if (stopped) return;
      const t = performance.now();
      daemon.tick(t);
      if (daemon.hasWork()) schedule();
      armTick(t);
    }, Math.max(0, due - now));
    tickTimer.unref();
  };

  /** Sends a link's gathered replies now (it leaves the batch's dirty list). */
  const flushNow = (link: Link): void => {
    if (link.out.length === 0) return;
    flushLink(link);
    // Still on the dirty list: flush() skips it (nothing gathered).
  };

  const pump = (): void => {
    scheduled = false;
    if (stopped) {
      dirty.length = 0;
      return;
    }
    const now = performance.now();
    daemon.tick(now);
    inPump = true;
    try {
      for (let i = 0; i < batch; i++) {
        const served = daemon.processNext();
        if (served === undefined) break;
        // Nothing more of this client in the batch: its replies go now, so it
        // works on them while the daemon serves the others (a client with one
        // request in flight costs one write per request either way; one that
        // pipelines still gets one write per batch).
        if (served.pending === 0) {
          const link = links.get(served.id);
          if (link !== undefined) flushNow(link);
        }
      }
    } finally {
      inPump = false;
    }
    flush();
    if (paused.size > 0) {
      for (const link of paused) {
        if (link.conn.closed || link.conn.pending <= lowWater) {
          paused.delete(link);
          link.paused = false;
          if (!link.conn.closed) link.sc.resume();
        }
      }
    }
    armTick(now);
    if (daemon.hasWork()) schedule();
    else if (retryTimer === undefined && daemon.hasQueued()) {
      // Connections paused on unread replies: look again shortly.
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        if (daemon.hasWork() || daemon.hasQueued()) schedule();
      }, 2);
      retryTimer.unref();
    }
  };
  const schedule = (): void => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(pump);
    }
  };

  const server = await listenUnixSocket(path, (sc: SocketServerConnection) => {
    const link = new Link(sc);
    // Replies are encoded into the link's buffer and written by the next
    // flush (end of the batch that produced them; a send outside a batch
    // schedules one).
    const messages = (type: number, reqId: number, txId: number, payload: Uint8Array): void => {
      if (link.out.length === 0) {
        dirty.push(link);
        if (!inPump) schedule();
      }
      link.out.append(type, reqId, txId, payload);
    };
    const c: DaemonConnection = daemon.connect(0, { messages }, {
      backlog: () => sc.writableLength + link.out.length,
      onClose: () => {
        // The replies to the requests served before (e.g. those ahead of
        // an oversize frame) still go out, then the socket ends.
        flushLink(link);
        sc.end();
      },
    });
    link.conn = c;
    links.set(c.id, link);
    sc.onData((chunk) => {
      if (c.closed) return;
      c.receive(chunk);
      if (c.pending >= highWater && !link.paused) {
        link.paused = true;
        paused.add(link);
        sc.pause();
      }
      schedule();
    });
    sc.onClose(() => {
      paused.delete(link);
      links.delete(c.id);
      c.close();
    });
  });

  return {
    path,
    async close() {
      stopped = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      if (tickTimer !== undefined) clearTimeout(tickTimer);
      await server.close();
    },
  };
}
