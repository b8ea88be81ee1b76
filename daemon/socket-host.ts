/**
 * Serves a {@link Daemon} on a Unix socket (the path real Xen tools use).
 * Socket clients are privileged dom0 connections, as on a real host.
 *
 * Incoming bytes are only decoded in the `data` handler; requests are
 * served in batches from `setImmediate`, round-robin across connections,
 * so one busy client cannot starve the others. The replies and events a
 * batch produces for one connection are gathered here and leave in one
 * uncorked write at the end of the batch (one syscall per connection per
 * batch, and no cork/uncork tick per frame: the socket path's main cost).
 */
import { listenUnixSocket } from '../protocol/socket.ts';
import type { SocketServerConnection } from '../protocol/socket.ts';
import type { Daemon, DaemonConnection } from './daemon.ts';

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
   * A connection whose unserved requests exceed this is closed (it keeps
   * sending while not reading its replies). Default: 4x the daemon's
   * `maxOutstandingRequests` option as given here (default 1024).
   */
  readonly maxQueuedRequests?: number;
  readonly log?: (message: string) => void;
}

/** Largest typed array V8 keeps on its heap (see protocol/codec.ts). */
const ON_HEAP_MAX = 64;

/** Replies gathered for one connection during a batch. */
class Outbox {
  readonly sc: SocketServerConnection;
  frames: Uint8Array[] = [];
  bytes = 0;
  constructor(sc: SocketServerConnection) {
    this.sc = sc;
  }
}

/** Listens on `path` and serves `daemon` to every connection. */
export async function serveDaemonOnSocket(daemon: Daemon, path: string, options: SocketHostOptions = {}): Promise<DaemonSocketServer> {
  const batch = options.batch ?? 512;
  const maxQueued = options.maxQueuedRequests ?? 4 * 1024;
  let scheduled = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  /** True while a batch runs (its sends are flushed at its end). */
  let inPump = false;
  /** Outboxes holding frames, in the order they got their first one. */
  const dirty: Outbox[] = [];

  const flush = (): void => {
    for (let i = 0; i < dirty.length; i++) {
      const o = dirty[i]!;
      const frames = o.frames;
      const n = frames.length;
      let out: Buffer;
      const f = frames[0]!;
      if (n === 1 && f.byteLength > ON_HEAP_MAX) {
        // Large frames already own an off-heap store: view it.
        out = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
      } else {
        // Small frames live on V8's heap; a view (`f.buffer`) would force
        // their store off-heap, so copy into a pooled Buffer instead.
        // Several frames are gathered into one Buffer: one write.
        out = Buffer.allocUnsafe(o.bytes);
        let at = 0;
        for (let j = 0; j < n; j++) {
          out.set(frames[j]!, at);
          at += frames[j]!.byteLength;
        }
      }
      frames.length = 0;
      o.bytes = 0;
      if (o.sc.writeNow !== undefined) o.sc.writeNow(out);
      else o.sc.write(out);
    }
    dirty.length = 0;
  };

  const pump = (): void => {
    scheduled = false;
    if (stopped) {
      dirty.length = 0;
      return;
    }
    inPump = true;
    try {
      for (let i = 0; i < batch; i++) {
        if (daemon.processNext() === undefined) break;
      }
    } finally {
      inPump = false;
    }
    flush();
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
    const box = new Outbox(sc);
    // Frames are gathered and written by the next flush (end of the batch
    // that produced them; a send outside a batch schedules one).
    const send = (frame: Uint8Array): void => {
      if (box.frames.length === 0) {
        dirty.push(box);
        if (!inPump) schedule();
      }
      box.frames.push(frame);
      box.bytes += frame.byteLength;
    };
    const c: DaemonConnection = daemon.connect(0, send, {
      backlog: () => sc.writableLength + box.bytes,
      onClose: () => sc.close(),
    });
    sc.onData((chunk) => {
      if (c.closed) return;
      c.receive(chunk);
      if (c.pending > maxQueued) {
        options.log?.(`connection ${c.id}: more than ${maxQueued} requests queued while its replies go unread; closing it`);
        c.close();
        sc.close();
        return;
      }
      schedule();
    });
    sc.onClose(() => {
      c.close();
    });
  });

  // oxenstored's conflict credits (trie-replay): a refill every period, the
  // countdown restarting when the first domain gets paused. (Socket
  // connections are dom0, never charged; introduced domains can be.)
  const throttle = daemon.engine.throttle;
  let refillTimer: ReturnType<typeof setInterval> | undefined;
  const startRefills = (): void => {
    if (!throttle) return;
    if (refillTimer !== undefined) clearInterval(refillTimer);
    refillTimer = setInterval(() => {
      throttle.refill();
      if (daemon.hasWork()) schedule();
    }, throttle.refillSeconds * 1000);
    refillTimer.unref();
  };
  throttle?.onFirstPause(startRefills);
  startRefills();

  return {
    path,
    async close() {
      stopped = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      if (refillTimer !== undefined) clearInterval(refillTimer);
      await server.close();
    },
  };
}
