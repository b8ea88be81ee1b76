/**
 * Body of the daemon thread (started by daemon/thread.ts through
 * runner/worker-bootstrap.js). One synchronous loop, like a real daemon's
 * event loop:
 *
 * 1. handle control messages (attach/detach/stats/stop) without returning
 *    to the event loop (`receiveMessageOnPort`);
 * 2. until idle: move the bytes of every request ring into its connection
 *    (skipping connections with `maxOutstandingRequests` waiting: the
 *    guest's ring then fills and it blocks, as a real guest does), serve up
 *    to `batch` requests round-robin, and flush reply backlogs;
 * 3. sleep on the daemon bell (`Atomics.wait`, 20 ms timeout so control
 *    messages are seen even if nobody rings; sooner when the daemon's
 *    time-based policy is due: `Daemon.nextTickMs`); after a wake-up that
 *    served at least 64 requests, first watch the bell for `pollMicros`
 *    (adaptive polling: a saturated daemon takes the next round without
 *    a futex sleep and wake).
 *
 * Every iteration ticks the daemon with `performance.now()`
 * (`Daemon.tick`); the thread keeps no policy of its own.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { createEngine } from '../engines/index.ts';
import { FrameBatch } from '../protocol/frame-batch.ts';
import { RingServerPort } from '../protocol/ring.ts';
import { Daemon } from './daemon.ts';
import type { DaemonConnection } from './daemon.ts';
import { resolveDaemonOptions } from './options.ts';
import type { ControlReply, ControlRequest, DaemonWorkerData } from './thread.ts';

interface Ring {
  readonly ring: number;
  readonly port: RingServerPort;
  conn: DaemonConnection;
  dead: boolean;
  /** Replies of the current batch, written to the ring together (one copy, one bell). */
  readonly out: FrameBatch;
}

/** Requests one wake-up must serve before the thread polls its bell instead of sleeping at once (see `pollMicros`). */
const POLL_AFTER_SERVED = 64;

/** Writes a ring's batched replies into its response ring. */
function flushOut(r: Ring): void {
  r.port.write(r.out.take());
  // What did not fit waits in the port's backlog as a view of the batch's buffer.
  if (r.port.backlog > 0) r.out.release();
}

const data = workerData as DaemonWorkerData;
const control = data.port;
const bell = new Int32Array(data.bell);
const reply = (msg: ControlReply): void => control.postMessage(msg);

function errorText(e: unknown): string {
  return (e as Error)?.stack ?? String(e);
}

let daemon: Daemon;
try {
  const options = resolveDaemonOptions(data.daemonOptions);
  daemon = new Daemon(createEngine(data.engine, data.engineOptions), {
    ...data.daemonOptions,
    log: (level, message) => {
      if (level !== 'info') process.stderr.write(`xstorm daemon (${data.engine}): ${level}: ${message}\n`);
    },
  });
  const maxOutstanding = options.maxOutstandingRequests;
  reply({ id: 0, ok: true });
  runLoop(daemon, maxOutstanding);
} catch (e) {
  reply({ id: -1, ok: false, error: `engine ${data.engine}: ${errorText(e)}`, fatal: true });
  throw e;
}

function runLoop(d: Daemon, maxOutstanding: number): void {
  const rings: Ring[] = [];
  let running = true;
  let busyMs = 0;
  let serviceMs = 0;
  let wakes = 0;
  let anyDead = false;

  const handle = (req: ControlRequest): void => {
    try {
      switch (req.op) {
        case 'attach': {
          const port = new RingServerPort(req.endpoint, { deferBells: true });
          const ring: Ring = { ring: req.ring, port, conn: undefined as unknown as DaemonConnection, dead: false, out: new FrameBatch(2048) };
          const messages = (type: number, reqId: number, txId: number, payload: Uint8Array): void => ring.out.append(type, reqId, txId, payload);
          ring.conn = d.connect(req.domid, { messages }, {
            backlog: () => port.backlog + ring.out.length,
            onClose: () => {
              if (ring.out.length > 0) flushOut(ring);
              port.close();
              ring.dead = true;
              anyDead = true;
            },
          });
          rings.push(ring);
          reply({ id: req.id, ok: true });
          break;
        }
        case 'detach': {
          const ring = rings.find((r) => r.ring === req.ring && !r.dead);
          if (ring) {
            ring.conn.close();
            ring.port.close();
            ring.dead = true;
            anyDead = true;
          }
          reply({ id: req.id, ok: true });
          break;
        }
        case 'stats':
          reply({
            id: req.id,
            ok: true,
            value: { daemon: d.stats(), engineCounters: d.engine.counters(), cpuMs: busyMs, wakes, serviceMs, rssBytes: process.memoryUsage().rss },
          });
          break;
        case 'stop':
          running = false;
          for (const r of rings) if (!r.dead) r.port.close();
          d.close();
          reply({ id: req.id, ok: true });
          break;
      }
    } catch (e) {
      reply({ id: req.id, ok: false, error: errorText(e) });
    }
  };

  const batch = data.batch;
  const pollMs = data.pollMicros / 1000;
  while (running) {
    const seen = Atomics.load(bell, 0);
    const t0 = performance.now();
    let servedThisWake = 0;
    // The daemon's time-based policy (conflict-credit refills) runs on this clock.
    d.tick(t0);
    for (let m = receiveMessageOnPort(control); m !== undefined; m = receiveMessageOnPort(control)) {
      handle(m.message as ControlRequest);
    }
    if (!running) break;
    let progress = true;
    while (progress) {
      progress = false;
      for (let i = 0; i < rings.length; i++) {
        const r = rings[i]!;
        if (r.dead) continue;
        if (r.conn.pending < maxOutstanding) {
          const bytes = r.port.read();
          if (bytes !== undefined) {
            r.conn.receive(bytes);
            progress = true;
          }
        }
        if (r.port.clientClosed && !r.port.readable) {
          r.conn.close();
          r.dead = true;
          anyDead = true;
        }
      }
      const s0 = performance.now();
      for (let i = 0; i < batch; i++) {
        if (d.processNext() === undefined) break;
        progress = true;
        servedThisWake++;
      }
      serviceMs += performance.now() - s0;
      // A domain got paused just now: the daemon restarts its refill countdown from the current time.
      if (d.nextTickMs === Number.NEGATIVE_INFINITY) d.tick(performance.now());
      for (let i = 0; i < rings.length; i++) {
        const r = rings[i]!;
        if (r.dead) continue;
        if (r.out.length > 0) flushOut(r);
        else if (r.port.backlog > 0) r.port.flush();
      }
      // Bells last: a client thread whose rings share one bell wakes once, to all its replies.
      for (let i = 0; i < rings.length; i++) {
        const r = rings[i]!;
        if (!r.dead) r.port.ringBellIfDue();
      }
    }
    if (anyDead) {
      anyDead = false;
      for (let i = rings.length - 1; i >= 0; i--) if (rings[i]!.dead) rings.splice(i, 1);
    }
    const t1 = performance.now();
    busyMs += t1 - t0;
    // Sleep until rung, or until the daemon's next timed work (a paused
    // domain's requests wait in its ring for a refill), at most 20 ms so
    // control messages are seen even if nobody rings.
    // Adaptive polling: after a wake-up that served a big round, the next
    // round is likely on its way; watching the bell a little longer takes
    // it without a futex sleep and wake (a round trip through the kernel
    // on each side). A lightly loaded daemon sleeps at once, as before.
    if (pollMs > 0 && servedThisWake >= POLL_AFTER_SERVED) {
      const until = t1 + pollMs;
      while (Atomics.load(bell, 0) === seen && performance.now() < until);
      if (Atomics.load(bell, 0) !== seen) continue;
    }
    const due = d.nextTickMs;
    const timeout = due === undefined ? 20 : Math.max(0, Math.min(20, due - t1));
    if (Atomics.wait(bell, 0, seen, timeout) === 'ok') wakes++;
  }
  control.unref();
}
