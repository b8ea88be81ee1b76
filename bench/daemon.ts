/**
 * In-process daemon throughput through the rings: the daemon on its own
 * worker thread (daemon/thread.ts), clients on the main thread, each
 * keeping `--depth` simple READs in flight on its own ring. Prints
 * requests/s, the daemon thread's busy time per request and how many
 * requests each wake-up of the daemon and of the client thread carried
 * (bigger batches per wake-up = fewer futex round trips); never asserts
 * (figures depend on the machine and on what else runs on it).
 *
 * Clients: `raw` (default) sends pre-encoded READ frames and counts reply
 * frames, and answers k replies with one send of k frames, so the client
 * side costs as little as possible (the figure is the daemon's, not the
 * load generator's; the replies counted equal the daemon's own count of
 * requests served, less those in flight); `xs` goes
 * through XsClient (one promise per request), as scenario code does.
 *
 * `--bell shared` (default) gives the clients one client bell
 * (protocol/ring.ts `createClientBell`), `per-ring` one bell each.
 *
 * Usage: npm run bench:daemon [-- --engine trie --conns 8 --depth 16 --seconds 3 --client raw|xs --bell shared|per-ring --poll-us 50]
 *
 * `--poll-us` is the daemon thread's adaptive polling (daemon/thread.ts
 * `pollMicros`, default 50; 0 = sleep on the bell at once, as before).
 */
import { parseBenchArgs, positiveNumber } from './args.ts';
import { startDaemonThread } from '../daemon/index.ts';
import { ENGINE_KINDS, isEngineKind } from '../engines/index.ts';
import type { EngineKind } from '../engines/index.ts';
import { XsClient } from '../protocol/client.ts';
import { encodeFrame, encodeStrings } from '../protocol/codec.ts';
import { RingClientTransport, createClientBell, ringClientWakes } from '../protocol/ring.ts';
import { HEADER_SIZE, XsType } from '../protocol/wire.ts';

const args = parseBenchArgs(
  {
      engine: { type: 'string', default: 'trie' },
      conns: { type: 'string', default: '8' },
      depth: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '3' },
      client: { type: 'string', default: 'raw' },
      bell: { type: 'string', default: 'shared' },
      'poll-us': { type: 'string', default: '50' },
      all: { type: 'boolean', default: false },
    },
  'Usage: npm run bench:daemon [-- --engine trie --conns 8 --depth 16 --seconds 3 --client raw|xs --bell shared|per-ring --poll-us 50 --all]',
);

const CONNS = positiveNumber('conns', args.conns);
const DEPTH = positiveNumber('depth', args.depth);
const SECONDS = positiveNumber('seconds', args.seconds);
const POLL_US = args['poll-us'] === '0' ? 0 : positiveNumber('poll-us', args['poll-us']);
const KEYS = 100;

async function runOne(engine: EngineKind, mode: string): Promise<void> {
  const daemon = await startDaemonThread({ engine, pollMicros: POLL_US });
  daemon.onError((e) => {
    console.error(e);
    process.exit(1);
  });
  const setup = new XsClient(new RingClientTransport(await daemon.attach(0)));
  for (let i = 0; i < KEYS; i++) await setup.write(`/bench/k${i}`, `value-${i}`);
  setup.close();

  let replies = 0;
  let running = true;
  const closers: (() => void)[] = [];
  // One client bell for every ring of this thread (the daemon wakes the thread once per turn), or one per ring.
  const clientBell = args.bell === 'shared' ? createClientBell() : undefined;
  for (let c = 0; c < CONNS; c++) {
    const transport = new RingClientTransport(await daemon.attach(0, clientBell ? { clientBell } : {}));
    closers.push(() => transport.close());
    if (mode === 'xs') {
      const client = new XsClient(transport);
      const loop = async (k: number): Promise<void> => {
        while (running) {
          await client.read(`/bench/k${k}`);
          replies++;
        }
      };
      for (let d = 0; d < DEPTH; d++) void loop((c * DEPTH + d) % KEYS).catch(() => {});
    } else {
      // One frame per key, reused and laid end to end: after k replies the
      // first k frames go back in one send (one ring copy, one bell), so
      // the load generator costs as little as possible per request.
      const frames = Array.from({ length: DEPTH }, (_, d) => encodeFrame(XsType.READ, d + 1, 0, encodeStrings(`/bench/k${(c * DEPTH + d) % KEYS}`)));
      const strip = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
      const upTo = [0];
      for (const f of frames) {
        strip.set(f, upTo[upTo.length - 1]!);
        upTo.push(upTo[upTo.length - 1]! + f.length);
      }
      const prefixes = upTo.map((end) => strip.subarray(0, end));
      // Count whole reply frames in the byte stream: `need` bytes to go in
      // the current header or payload; a header's length field is read byte
      // by byte (headers may straddle chunks).
      let need = HEADER_SIZE;
      let inHeader = true;
      let len = 0;
      transport.onData((chunk) => {
        let i = 0;
        let done = 0;
        const n = chunk.length;
        while (i < n) {
          if (inHeader) {
            const at = HEADER_SIZE - need; // header byte index of chunk[i]
            if (at >= 12) len |= chunk[i]! << (8 * (at - 12));
            i++;
            if (--need > 0) continue;
            inHeader = false;
            need = len;
            len = 0;
            if (need > 0) continue;
          } else {
            const take = Math.min(need, n - i);
            i += take;
            need -= take;
            if (need > 0) continue;
          }
          inHeader = true;
          need = HEADER_SIZE;
          done++;
        }
        replies += done;
        if (running) {
          for (let k = done; k > 0; k -= DEPTH) transport.send(prefixes[Math.min(k, DEPTH)]!);
        }
      });
      transport.send(strip);
    }
  }
  const warm = 500;
  await new Promise((r) => setTimeout(r, warm));
  const before = await daemon.stats();
  const clientWakes0 = ringClientWakes();
  const r0 = replies;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const r1 = replies;
  const t1 = performance.now();
  const after = await daemon.stats();
  running = false;
  const rate = ((r1 - r0) / (t1 - t0)) * 1000;
  const served = Math.max(1, after.daemon.requests - before.daemon.requests);
  const busyUs = ((after.cpuMs - before.cpuMs) * 1000) / served;
  const perWake = served / Math.max(1, after.wakes - before.wakes);
  const perClientWake = served / Math.max(1, ringClientWakes() - clientWakes0);
  console.log(
    `| ${engine} | ${mode} | ${CONNS} | ${DEPTH} | ${Math.round(rate).toLocaleString('en-US')} | ${busyUs.toFixed(2)} | ${perWake.toFixed(0)} | ${perClientWake.toFixed(0)} | ${(after.rssBytes / 2 ** 20).toFixed(0)} |`,
  );
  for (const c of closers) c();
  await daemon.stop();
}

if (args.bell !== 'shared' && args.bell !== 'per-ring') {
  process.stderr.write(`--bell must be shared or per-ring, got ${JSON.stringify(args.bell)}\n`);
  process.exit(2);
}
console.log(`In-process daemon through rings: simple READs, ${SECONDS} s per row after 0.5 s warm-up, client bell ${args.bell}, daemon polls ${POLL_US} µs after a big round (provisional: shared 2-core machine)\n`);
console.log('| engine | client | connections | in flight each | reads/s | daemon busy µs/req | requests per daemon wake-up | requests per client wake-up | RSS MiB |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
const engines = args.all ? [...ENGINE_KINDS] : [args.engine];
for (const e of engines) {
  if (!isEngineKind(e)) throw new Error(`unknown engine ${e}`);
  await runOne(e, args.client);
}
