/**
 * Robustness of the socket daemon (in-process, `trie` engine):
 * - a seeded fuzz run: ≥ 100k random and mutated frames over many
 *   connections while a well-behaved client keeps getting right answers;
 * - many connections opening and closing, some mid-request;
 * - a client that never reads its replies: the daemon stops serving it,
 *   then closes it; everyone else goes on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, serveDaemonOnSocket } from '../../daemon/index.ts';
import { createEngine } from '../../engines/index.ts';
import { XsClient } from '../../protocol/client.ts';
import { encodeFrame, encodePathValue, encodeStrings } from '../../protocol/codec.ts';
import { connectUnixSocket } from '../../protocol/socket.ts';
import { XsType } from '../../protocol/wire.ts';
import { createRandom } from '../../runner/random.ts';
import { shortTempDir } from './servers.ts';

const FRAMES = 100_000;
const PER_CONNECTION = 2_500;
const SEED = 4242;

const PATHS = ['/fz', '/fz/a', '/fz/a/b', 'rel', 'rel/x', '/', '/tool', '@introduceDomain', '/fz/' + 'n'.repeat(200), ''];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** A well-formed request of a random type. */
function template(rand: () => number): Uint8Array {
  const p = pick(rand, PATHS);
  const tx = rand() < 0.2 ? Math.floor(rand() * 4) : 0;
  const types = [
    () => encodeFrame(XsType.READ, 1, tx, encodeStrings(p)),
    () => encodeFrame(XsType.WRITE, 2, tx, encodePathValue(p, 'v'.repeat(Math.floor(rand() * 40)))),
    () => encodeFrame(XsType.MKDIR, 3, tx, encodeStrings(p)),
    () => encodeFrame(XsType.RM, 4, tx, encodeStrings(p)),
    () => encodeFrame(XsType.DIRECTORY, 5, tx, encodeStrings(p)),
    () => encodeFrame(XsType.GET_PERMS, 6, tx, encodeStrings(p)),
    () => encodeFrame(XsType.SET_PERMS, 7, tx, encodeStrings(p, pick(rand, ['n0', 'r5', 'b1', 'x', '']))),
    () => encodeFrame(XsType.WATCH, 8, 0, encodeStrings(p, 'tok')),
    () => encodeFrame(XsType.UNWATCH, 9, 0, encodeStrings(p, 'tok')),
    () => encodeFrame(XsType.TRANSACTION_START, 10, 0, encodeStrings('')),
    () => encodeFrame(XsType.TRANSACTION_END, 11, tx || 1, encodeStrings(pick(rand, ['T', 'F', 'X']))),
    () => encodeFrame(XsType.INTRODUCE, 12, 0, encodeStrings(String(Math.floor(rand() * 8)), '1', '2')),
    () => encodeFrame(XsType.RELEASE, 13, 0, encodeStrings(String(Math.floor(rand() * 8)))),
    () => encodeFrame(XsType.GET_DOMAIN_PATH, 14, 0, encodeStrings(String(Math.floor(rand() * 8)))),
    () => encodeFrame(XsType.IS_DOMAIN_INTRODUCED, 15, 0, encodeStrings('3')),
    () => encodeFrame(XsType.RESET_WATCHES, 16, 0, encodeStrings('')),
    () => encodeFrame(XsType.DIRECTORY_PART, 17, 0, encodeStrings(p, String(Math.floor(rand() * 10)))),
    () => encodeFrame(XsType.CONTROL, 18, 0, encodeStrings('print', 'fuzz')),
    () => encodeFrame(Math.floor(rand() * 40), 19, 0, encodeStrings(p)),
  ];
  return pick(rand, types)();
}

/** A random or mutated frame; some break the stream on purpose. */
function fuzzFrame(rand: () => number): Uint8Array {
  const r = rand();
  if (r < 0.15) {
    // random header and payload; a few oversize lengths
    const len = rand() < 0.0005 ? 4097 + Math.floor(rand() * 100000) : Math.floor(rand() * 64);
    const f = new Uint8Array(16 + Math.min(len, 64));
    for (let i = 0; i < f.length; i++) f[i] = Math.floor(rand() * 256);
    new DataView(f.buffer).setUint32(12, len, true);
    if (len <= 64) return f.subarray(0, 16 + len);
    return f;
  }
  const f = template(rand).slice();
  if (r < 0.5) return f; // well-formed
  const dv = new DataView(f.buffer);
  const m = rand();
  if (m < 0.3) {
    // flip payload bytes (NULs disappear or appear, bad characters)
    for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
      if (f.length > 16) f[16 + Math.floor(rand() * (f.length - 16))] = Math.floor(rand() * 256);
    }
  } else if (m < 0.5) {
    dv.setUint32(0, Math.floor(rand() * 2 ** 32), true); // any type
  } else if (m < 0.65) {
    dv.setUint32(8, Math.floor(rand() * 2 ** 32), true); // any tx id
  } else if (m < 0.8) {
    if (rand() < 0.003) {
      // shorter announced length: the rest of the payload is read as the next header
      dv.setUint32(12, Math.floor(rand() * (f.length - 16 + 1)), true);
    } else {
      // a NUL in the middle of the payload
      if (f.length > 17) f[16 + Math.floor(rand() * (f.length - 17))] = 0;
    }
  } else if (m < 0.9) {
    // drop the trailing NUL but keep the header consistent
    if (f.length > 16) {
      const g = f.slice(0, f.length - 1);
      new DataView(g.buffer).setUint32(12, g.length - 16, true);
      return g;
    }
  } else if (rand() < 0.002) {
    dv.setUint32(12, 4097 + Math.floor(rand() * 1000), true); // oversize: the daemon closes the connection
  } else {
    f[f.length - 1] = 0x2f; // a '/' where the NUL was: a trailing slash or a missing NUL
  }
  return f;
}

/** Sends a batch on a fresh connection, reads until the daemon is idle, closes. */
async function fuzzConnection(path: string, frames: Uint8Array[], daemon: Daemon): Promise<{ closedByDaemon: boolean; bytesBack: number }> {
  const s = net.createConnection({ path });
  await new Promise<void>((res, rej) => {
    s.once('connect', () => res());
    s.once('error', rej);
  });
  let bytesBack = 0;
  let closed = false;
  s.on('data', (d) => (bytesBack += d.length));
  s.on('error', () => {});
  s.once('close', () => (closed = true));
  s.write(Buffer.concat(frames));
  // Until the daemon has nothing left for us and no byte arrived for a while.
  let last = -1;
  for (let quiet = 0; quiet < 3 && !closed; ) {
    await new Promise((r) => setTimeout(r, 10));
    if (bytesBack === last && !daemon.hasWork()) quiet++;
    else quiet = 0;
    last = bytesBack;
  }
  const closedByDaemon = closed;
  s.destroy();
  return { closedByDaemon, bytesBack };
}

describe('daemon robustness over the socket', () => {
  it(`survives ${FRAMES} fuzzed frames while a good client gets right answers`, async () => {
    const dir = shortTempDir('fuzz');
    const path = join(dir, 'socket');
    const logs: string[] = [];
    const daemon = new Daemon(createEngine('trie', {}), { log: (level, m) => level === 'error' && logs.push(m) });
    const server = await serveDaemonOnSocket(daemon, path);
    const good = new XsClient(await connectUnixSocket(path));
    let stop = false;
    let goodOps = 0;
    const goodLoop = (async () => {
      for (let i = 0; !stop; i++) {
        await good.write(`/good/k${i % 50}`, `value-${i}`);
        assert.equal(await good.read(`/good/k${i % 50}`), `value-${i}`);
        const { value } = await good.transaction(async (tx) => {
          const v = await tx.read(`/good/k${i % 50}`);
          await tx.write(`/good/t${i % 7}`, v);
          return v;
        });
        assert.equal(value, `value-${i}`);
        goodOps += 4;
      }
    })();
    try {
      const rand = createRandom(SEED, 'daemon-fuzz');
      let sent = 0;
      let dropped = 0;
      let answered = 0;
      while (sent < FRAMES) {
        // two fuzz connections at a time
        const batches = [0, 1].map(() => Array.from({ length: PER_CONNECTION }, () => fuzzFrame(rand)));
        const results = await Promise.all(batches.map((b) => fuzzConnection(path, b, daemon)));
        for (const r of results) {
          if (r.closedByDaemon) dropped++;
          if (r.bytesBack > 0) answered++;
        }
        sent += 2 * PER_CONNECTION;
      }
      stop = true;
      await goodLoop;
      const st = daemon.stats();
      console.log(`# fuzz: ${sent} frames on ${sent / PER_CONNECTION} connections, ${st.requests} requests served, ${st.errors} error replies, ${dropped} connections dropped by the daemon, good client ${goodOps} ops`);
      assert.equal(st.internalErrors, 0, logs.join('\n'));
      assert.deepEqual(logs, []);
      assert.ok(st.requests > FRAMES / 4, `served ${st.requests}`);
      assert.ok(dropped > 0 && answered > 0);
      assert.ok(goodOps > 0);
      // still healthy: a fresh client, the good data intact, no leaked connections
      const fresh = new XsClient(await connectUnixSocket(path));
      assert.match(await fresh.read('/good/k0'), /^value-\d+$/);
      fresh.close();
      good.close();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(daemon.stats().connections, 0);
    } finally {
      stop = true;
      await goodLoop.catch(() => {});
      good.close();
      await server.close();
      daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('handles many connections opening and closing, some mid-request', async () => {
    const dir = shortTempDir('conns');
    const path = join(dir, 'socket');
    const daemon = new Daemon(createEngine('trie', {}));
    const server = await serveDaemonOnSocket(daemon, path);
    try {
      for (let round = 0; round < 5; round++) {
        const clients = await Promise.all(Array.from({ length: 100 }, () => connectUnixSocket(path).then((t) => new XsClient(t))));
        const work = clients.map(async (c, i) => {
          if (i % 3 === 0) {
            void c.write(`/conns/c${i}`, 'x').catch(() => {});
            c.close(); // mid-request
            return;
          }
          if (i % 3 === 1) {
            const tx = await c.transactionStart();
            await c.write(`/conns/c${i}`, String(round), tx);
            c.close(); // leaves an open transaction: aborted by the daemon
            return;
          }
          await c.transaction((tx) => tx.write(`/conns/c${i}`, String(round)));
          assert.equal(await c.read(`/conns/c${i}`), String(round));
          c.close();
        });
        await Promise.all(work);
      }
      await new Promise((r) => setTimeout(r, 100));
      const st = daemon.stats();
      assert.equal(st.connections, 0);
      assert.equal(st.connectionsTotal, 500);
      assert.ok(st.aborts >= 150, `aborts ${st.aborts}`);
    } finally {
      await server.close();
      daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops reading and serving a client that never reads its replies, and closes it only once its unread events pile up', async () => {
    const dir = shortTempDir('noread');
    const path = join(dir, 'socket');
    const warnings: string[] = [];
    const daemon = new Daemon(createEngine('trie', {}), {
      maxReplyBacklogBytes: 16 * 1024,
      maxBufferedBytes: 128 * 1024,
      log: (level, m) => warnings.push(`${level}: ${m}`),
    });
    const server = await serveDaemonOnSocket(daemon, path);
    try {
      const other = new XsClient(await connectUnixSocket(path));
      const s = net.createConnection({ path });
      await new Promise<void>((res) => s.once('connect', () => res()));
      s.pause(); // never reads
      s.on('error', () => {});
      let isClosed = false;
      const closed = new Promise<void>((res) => s.once('close', () => res()));
      void closed.then(() => (isClosed = true));
      s.write(encodeFrame(XsType.WATCH, 1, 0, encodeStrings('/flood', 'tok')));
      const one = encodeFrame(XsType.READ, 2, 0, encodeStrings('/tool/xenstored'));
      const chunk = Buffer.concat(Array.from({ length: 1000 }, () => one));
      for (let i = 0; i < 200; i++) s.write(chunk); // 200,000 requests, never read
      // The daemon serves it until its replies back up, then neither reads nor
      // serves it; others are served meanwhile, and it is not closed for that.
      let served = -1;
      for (let i = 0; i < 50 && daemon.stats().requests !== served; i++) {
        served = daemon.stats().requests;
        assert.equal(await other.read('/tool/xenstored'), '');
        await new Promise((r) => setTimeout(r, 20));
      }
      const stuck = daemon.stats().requests;
      assert.ok(stuck < 150_000, `served ${stuck} of the unread requests`);
      assert.equal(isClosed, false);
      assert.equal(daemon.stats().connectionsDropped, 0);
      // Events caused by others still queue for it: past maxBufferedBytes it goes.
      // (Judged on the daemon's side: a paused socket may not see its end until it reads what is buffered.)
      let writes = 0;
      while (daemon.stats().connectionsDropped === 0 && writes < 100_000) {
        await other.write('/flood/x', String(writes++));
      }
      assert.ok(writes < 100_000, 'the daemon should have closed the connection that lets events pile up');
      s.resume();
      await closed;
      assert.equal(daemon.stats().connectionsDropped, 1);
      assert.deepEqual(warnings.length, 1);
      assert.match(warnings[0]!, /^warn: connection \d+ \(dom0\) closed: more than 131072 bytes of replies and events left unread$/);
      assert.equal(await other.read('/tool/xenstored'), '');
      other.close();
    } finally {
      await server.close();
      daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
