/**
 * Serves a {@link Daemon} on a Unix socket (the path real Xen tools use).
 * Socket clients are privileged dom0 connections, as on a real host.
 *
 * Incoming bytes are only decoded in the `data` handler; requests are
 * served in batches from `setImmediate`, round-robin across connections,
 * so one busy client cannot starve the others. Replies written in one
 * batch leave in one corked `writev` (protocol/socket.ts).
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

/** Listens on `path` and serves `daemon` to every connection. */
export async function serveDaemonOnSocket(daemon: Daemon, path: string, options: SocketHostOptions = {}): Promise<DaemonSocketServer> {
  const batch = options.batch ?? 512;
  const maxQueued = options.maxQueuedRequests ?? 4 * 1024;
  let scheduled = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const pump = (): void => {
    scheduled = false;
    if (stopped) return;
    for (let i = 0; i < batch; i++) {
      if (daemon.processNext() === undefined) break;
    }
    if (daemon.hasWork()) schedule();
    else if (retryTimer === undefined) {
      // Connections paused on unread replies: look again shortly.
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        if (daemon.hasWork()) schedule();
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
    let conn: DaemonConnection | undefined;
    conn = daemon.connect(0, (frame) => sc.write(frame), {
      backlog: () => sc.writableLength,
      onClose: () => sc.close(),
    });
    const c = conn;
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
      conn = undefined;
    });
  });

  return {
    path,
    async close() {
      stopped = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      await server.close();
    },
  };
}
