/**
 * The Unix-socket transport, the path real Xen tools use: a client
 * ({@link connectUnixSocket}) and a server ({@link listenUnixSocket}) for
 * xstorm's daemon. Writes issued in the same tick are corked into one
 * `writev`, so pipelined requests and batched replies cost one syscall.
 */
import { lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { RawStreamConnection, isStreamHandle, rawStreamSupport, sharedReadBuffer } from './raw-stream.ts';
import type { ClientTransport } from './types.ts';

/** Where xenstore clients look for the daemon: `$XENSTORED_PATH` or the Xen default. */
export function defaultSocketPath(): string {
  const env = process.env['XENSTORED_PATH'];
  return env !== undefined && env !== '' ? env : '/var/run/xenstored/socket';
}

/** One accepted connection, as the daemon sees it. */
export interface SocketServerConnection {
  /** Receives incoming bytes (arbitrary chunks). */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the connection is gone (either side). */
  onClose(listener: () => void): void;
  /** Queues one frame (not copied: do not modify it afterwards). */
  write(frame: Uint8Array): void;
  /**
   * Hands `bytes` to the kernel now, uncorked (not copied: do not modify
   * it afterwards). For callers that gather a whole round of replies per
   * connection themselves: one syscall, no cork/uncork tick. Optional:
   * other transports (protocol/pipe.ts) need not offer it.
   */
  writeNow?(bytes: Uint8Array): void;
  /** Drops the connection at once (unsent bytes are lost). */
  close(): void;
  /**
   * Sends what is queued, then closes (the daemon ending a broken client's
   * connection after the replies it had earned). A peer that does not take
   * the bytes within {@link END_GRACE_MS} is dropped.
   */
  end(): void;
  /** Stops reading (back-pressure: the peer's bytes wait in the kernel). */
  pause(): void;
  /** Reads again after {@link pause}. */
  resume(): void;
  /** Bytes queued but not yet taken by the kernel (for reply quotas/backpressure). */
  readonly writableLength: number;
}

/** How long {@link SocketServerConnection.end} waits for the peer to take the last bytes. */
export const END_GRACE_MS = 2000;

/** A listening daemon socket. */
export interface UnixSocketServer {
  /** The socket path. */
  readonly path: string;
  /** Stops listening, drops all connections and removes the socket file. */
  close(): Promise<void>;
}

/** Writes through `socket`, corking until the end of the current tick. */
function corkedWriter(socket: net.Socket): (frame: Uint8Array) => void {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  return (frame) => {
    if (socket.destroyed) return;
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    socket.write(frame);
  };
}

/** Explains a failed connect in terms of the daemon and `XENSTORED_PATH`. */
function connectError(path: string, error: NodeJS.ErrnoException): Error {
  const why =
    error.code === 'ENOENT'
      ? 'no such socket'
      : error.code === 'ECONNREFUSED'
        ? 'nothing listens there (stale socket?)'
        : (error.code ?? error.message);
  return new Error(
    `cannot connect to xenstored socket ${path}: ${why}; is the daemon running? ` +
      `(set XENSTORED_PATH or pass the socket path)`,
    { cause: error },
  );
}

/** Opens a raw socket to `path`, rejecting with {@link connectError}. */
function openSocket(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    const onError = (error: NodeJS.ErrnoException): void => {
      socket.destroy();
      reject(connectError(path, error));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** Connects to a xenstore daemon's Unix socket. */
export async function connectUnixSocket(path: string): Promise<ClientTransport> {
  const socket = await openSocket(path);
  const write = corkedWriter(socket);
  let lastError: Error | undefined;
  let closing = false;
  const closeListeners: ((error?: Error) => void)[] = [];
  socket.on('error', (error) => {
    lastError = error;
  });
  socket.once('close', () => {
    // Decide once: listeners may call close() while being notified.
    const error = closing ? undefined : (lastError ?? new Error(`daemon closed ${path}`));
    for (const l of closeListeners) l(error);
  });
  return {
    send(frame) {
      if (socket.destroyed) throw new Error(`socket ${path} is closed`);
      write(frame);
    },
    onData(listener) {
      socket.on('data', listener);
    },
    onClose(listener) {
      closeListeners.push(listener);
    },
    close() {
      closing = true;
      socket.destroy();
    },
  };
}

/**
 * True when a daemon answers on `path`; removes the file if it is a stale
 * socket. Throws if `path` exists and is not a socket (never deletes it).
 */
async function claimPath(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  try {
    const probe = await openSocket(path);
    probe.destroy();
  } catch {
    await unlink(path).catch(() => {}); // stale: nobody answers
    return;
  }
  throw new Error(`a daemon already answers on ${path}; refusing to start a second one`);
}

/**
 * Turns an accepted (paused) socket into one that reads into a shared
 * buffer (`onread`, the documented net.Socket option): the default path
 * allocates a 64 KiB store per read, shrinks it and runs the Readable
 * machinery, which costs more than the request behind those bytes. Each
 * chunk handed to `onChunk` is a fresh pooled copy (the caller may keep
 * it). `net.Server` has no `onread` option, so the accepted socket's
 * handle moves to a new Socket (falls back to `data` events if the
 * handle is not where Node 20 keeps it).
 */
function rewrapForUserBuffer(accepted: net.Socket, onChunk: (chunk: Uint8Array) => void): net.Socket {
  const internal = accepted as unknown as { _handle: unknown };
  const handle = internal._handle;
  if (handle === null || typeof handle !== 'object') {
    accepted.on('data', onChunk);
    accepted.resume();
    return accepted;
  }
  const readBuffer = sharedReadBuffer();
  internal._handle = null;
  accepted.destroy(); // releases the server's count of the old wrapper; the handle lives on
  return new net.Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer: readBuffer,
      callback: (n: number): boolean => {
        const chunk = Buffer.allocUnsafe(n);
        readBuffer.copy(chunk, 0, 0, n);
        onChunk(chunk);
        return true;
      },
    },
  } as net.SocketConstructorOpts);
}

/**
 * Listens on the Unix socket `path` and hands each connection to
 * `onConnection`. Refuses to start while a live daemon answers on `path`;
 * a stale socket file is removed.
 */
export async function listenUnixSocket(
  path: string,
  onConnection: (conn: SocketServerConnection) => void,
): Promise<UnixSocketServer> {
  await claimPath(path);
  const sockets = new Set<net.Socket | RawStreamConnection>();
  const raw = rawStreamSupport() === undefined;
  const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
    const handle = (accepted as unknown as { _handle: unknown })._handle;
    if (raw && isStreamHandle(handle)) {
      // Take the handle; destroying the emptied wrapper releases the server's count of it.
      (accepted as unknown as { _handle: unknown })._handle = null;
      accepted.destroy();
      const conn = new RawStreamConnection(handle, END_GRACE_MS);
      sockets.add(conn);
      conn.onClose(() => sockets.delete(conn));
      onConnection(conn);
      return;
    }
    const listeners: ((chunk: Uint8Array) => void)[] = [];
    const socket = rewrapForUserBuffer(accepted, (chunk) => {
      for (let i = 0; i < listeners.length; i++) listeners[i]!(chunk);
    });
    sockets.add(socket);
    socket.on('error', () => {}); // 'close' follows; a broken client must not crash the daemon
    socket.once('close', () => sockets.delete(socket));
    const write = corkedWriter(socket);
    onConnection({
      onData: (listener) => void listeners.push(listener),
      onClose: (listener) => void socket.once('close', () => listener()),
      write,
      writeNow: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      close: () => void socket.destroy(),
      end: () => {
        if (socket.destroyed) return;
        socket.end();
        setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
      },
      pause: () => void socket.pause(),
      resume: () => void socket.resume(),
      get writableLength() {
        return socket.writableLength;
      },
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    path,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) {
          if (s instanceof RawStreamConnection) s.close();
          else s.destroy();
        }
      }).then(() => unlink(path).catch(() => {}));
      return closed;
    },
  };
}
