/**
 * Protocol micro-benchmarks (printed, never asserted):
 * - codec: encode + incremental decode of READ-sized frames, msgs/s;
 * - rings: round trips/s between this thread (XsClients) and an echo daemon
 *   worker (test/protocol/fixtures/echo-daemon.ts), one request in flight
 *   (ping-pong) and with many clients in flight.
 *
 * Run: node --import tsx bench/protocol.ts [seconds per case, default 2]
 * Prints one JSON line per case to stdout.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { MessageDecoder, encodeFrame, encodeStrings, splitStrings } from '../protocol/codec.ts';
import { RingClientTransport, createDaemonBell, createRingEndpoint } from '../protocol/ring.ts';
import { XsClient } from '../protocol/client.ts';
import { XsType } from '../protocol/wire.ts';

const seconds = Number(process.argv[2] ?? 2);
const BOOTSTRAP = fileURLToPath(new URL('../runner/worker-bootstrap.js', import.meta.url));
const ECHO = fileURLToPath(new URL('../test/protocol/fixtures/echo-daemon.ts', import.meta.url));

function codec(): void {
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
  const s = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ case: 'codec encode+decode+parse (READ, 40-byte path)', msgsPerS: Math.round(n / s), sink: sink > 0 }));
}

async function rings(clientsN: number, inFlight: number): Promise<void> {
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
  console.log(JSON.stringify({ case: `ring echo, ${clientsN} client(s) x ${inFlight} in flight`, roundTripsPerS: Math.round(n / s) }));
}

codec();
await rings(1, 1);
await rings(1, 16);
await rings(64, 1);
await rings(64, 4);
