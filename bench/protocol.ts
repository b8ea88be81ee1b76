/**
 * Protocol micro-benchmarks (printed, never asserted):
 * - codec: encode + incremental decode of READ-sized frames, msgs/s;
 * - rings: round trips/s between this thread (XsClients) and an echo daemon
 *   worker (test/protocol/fixtures/echo-daemon.ts), one request in flight
 *   (ping-pong) and with many clients in flight.
 *
 * Run: node --import tsx bench/protocol.ts [seconds per round, default 1] [rounds, default 3]
 * Prints one JSON line per case (every round, median, best) to stdout. On a
 * shared machine, read the best round: noise only ever slows a round down.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { MessageDecoder, encodeFrame, encodeStrings, splitStrings } from '../protocol/codec.ts';
import { RingClientTransport, createDaemonBell, createRingEndpoint } from '../protocol/ring.ts';
import { XsClient } from '../protocol/client.ts';
import { XsType } from '../protocol/wire.ts';

const seconds = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 3);
const BOOTSTRAP = fileURLToPath(new URL('../runner/worker-bootstrap.js', import.meta.url));
const ECHO = fileURLToPath(new URL('../test/protocol/fixtures/echo-daemon.ts', import.meta.url));

function codec(): number {
  const path = '/local/domain/17/device/vbd/51712/state';
  const dec = new MessageDecoder();
  let n = 0;
  let sink = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  while (performance.now() < end) {
    // Batches of 64 frames per chunk, as a pipelined stream would arrive.
    for (let i = 0; i < 64; i++) dec.push(encodeFrame(XsType.READ, n + i, 0, encodeStrings(path)));
    for (let m = dec.next(); m; m = dec.next()) sink += splitStrings(m.payload)[0]!.length;
    n += 64;
  }
  if (sink === 0) throw new Error('unreachable: keeps the decode from being optimised away');
  return n / ((performance.now() - t0) / 1000);
}

async function rings(clientsN: number, inFlight: number): Promise<number> {
  const bell = createDaemonBell();
  const endpoints = Array.from({ length: clientsN }, () => createRingEndpoint(bell));
  const worker = new Worker(BOOTSTRAP, { workerData: { __module: ECHO, endpoints } });
  const done = new Promise<{ frames: number }>((resolve) => worker.once('message', resolve));
  const clients = endpoints.map((e) => new XsClient(new RingClientTransport(e)));
  await Promise.all(clients.map((c) => c.read('/warmup')));
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    clients.flatMap((c) =>
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < end) {
          await c.read('/local/domain/1/name');
          n++;
        }
      }),
    ),
  );
  const s = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  await done;
  return n / s;
}

/** Runs `fn` `rounds` times; prints every round, the median and the best (per second). */
async function report(name: string, unit: string, fn: () => number | Promise<number>): Promise<void> {
  const all: number[] = [];
  for (let r = 0; r < rounds; r++) all.push(Math.round(await fn()));
  const sorted = [...all].sort((a, b) => a - b);
  console.log(JSON.stringify({ case: name, unit, rounds: all, median: sorted[sorted.length >> 1], best: sorted[sorted.length - 1] }));
}

await report('codec encode+decode+parse (READ, 40-byte path)', 'msgs/s', codec);
await report('ring echo, 1 client x 1 in flight (ping-pong)', 'round trips/s', () => rings(1, 1));
await report('ring echo, 1 client x 16 in flight', 'round trips/s', () => rings(1, 16));
await report('ring echo, 64 clients x 1 in flight', 'round trips/s', () => rings(64, 1));
await report('ring echo, 64 clients x 4 in flight', 'round trips/s', () => rings(64, 4));
