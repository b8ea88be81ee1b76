/**
 * An in-process loopback connection for tests: a {@link ClientTransport}
 * wired to a server end shaped like a socket server connection, so a fake
 * daemon (or the real daemon's connection handler) can sit on the other
 * side without sockets or threads. Bytes are delivered in order on a
 * microtask, never re-entrantly inside `send`/`write`.
 */
import type { ClientTransport } from './types.ts';
import type { SocketServerConnection } from './socket.ts';

/** Both ends of a loopback connection. */
export interface PipePair {
  readonly client: ClientTransport;
  readonly server: SocketServerConnection;
}

/** One direction of the pipe: queued chunks delivered on a microtask (held while the reader is paused). */
class Direction {
  listeners: ((chunk: Uint8Array) => void)[] = [];
  queue: Uint8Array[] = [];
  queued = 0;
  #scheduled = false;
  #paused = false;

  push(chunk: Uint8Array): void {
    // Copy: the sender may reuse its buffer, as with a real socket.
    this.queue.push(chunk.slice());
    this.queued += chunk.length;
    this.#schedule();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#scheduled && !this.#paused && this.queue.length > 0) {
      this.#scheduled = true;
      queueMicrotask(this.#deliver);
    }
  }

  #deliver = (): void => {
    this.#scheduled = false;
    while (this.queue.length > 0 && !this.#paused) {
      const c = this.queue.shift()!;
      this.queued -= c.length;
      for (const l of this.listeners) l(c);
    }
  };
}

/** Creates a connected client transport / server connection pair. */
export function createPipe(): PipePair {
  const up = new Direction();
  const down = new Direction();
  const clientClose: ((error?: Error) => void)[] = [];
  const serverClose: (() => void)[] = [];
  let closed = false;
  const shut = (): void => {
    if (closed) return;
    closed = true;
    // Let bytes already in flight arrive first, like a socket's FIN.
    queueMicrotask(() => queueMicrotask(() => {
      for (const l of clientClose) l();
      for (const l of serverClose) l();
    }));
  };
  const client: ClientTransport = {
    send(frame) {
      if (closed) throw new Error('pipe is closed');
      up.push(frame);
    },
    onData: (listener) => void down.listeners.push(listener),
    onClose: (listener) => void clientClose.push(listener),
    close: shut,
  };
  const server: SocketServerConnection = {
    onData: (listener) => void up.listeners.push(listener),
    onClose: (listener) => void serverClose.push(listener),
    write(frame) {
      if (!closed) down.push(frame);
    },
    close: shut,
    end: shut,
    pause: () => up.pause(),
    resume: () => up.resume(),
    get writableLength() {
      return down.queued;
    },
  };
  return { client, server };
}
