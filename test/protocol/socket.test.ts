import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Through the folder's public face, so index.ts is exercised at run time too.
import {
  MessageDecoder,
  XsClient,
  connectUnixSocket,
  defaultSocketPath,
  encodeFrame,
  listenUnixSocket,
} from '../../protocol/index.ts';
import { XsError } from '../../engines/common/errors.ts';
import { REALXS_TOOLS, realxsSkipReason } from '../helpers/realxs.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'xs-proto-'));
}

/** An echo server: every frame comes back unchanged. */
async function echoServer(path: string): Promise<Awaited<ReturnType<typeof listenUnixSocket>>> {
  return listenUnixSocket(path, (conn) => {
    const dec = new MessageDecoder();
    conn.onData((chunk) => {
      dec.push(chunk);
      for (let m = dec.next(); m; m = dec.next()) conn.write(encodeFrame(m.type, m.reqId, m.txId, m.payload));
    });
  });
}

test('defaultSocketPath honours XENSTORED_PATH', () => {
  const saved = process.env['XENSTORED_PATH'];
  try {
    delete process.env['XENSTORED_PATH'];
    assert.equal(defaultSocketPath(), '/var/run/xenstored/socket');
    process.env['XENSTORED_PATH'] = '/tmp/x/socket';
    assert.equal(defaultSocketPath(), '/tmp/x/socket');
  } finally {
    if (saved === undefined) delete process.env['XENSTORED_PATH'];
    else process.env['XENSTORED_PATH'] = saved;
  }
});

test('connect to a missing socket: clear error naming the path and XENSTORED_PATH', async () => {
  const dir = tempDir();
  const path = join(dir, 'socket');
  await assert.rejects(connectUnixSocket(path), (e: unknown) => {
    const msg = String((e as Error).message);
    return msg.includes(path) && msg.includes('XENSTORED_PATH') && msg.includes('no such socket');
  });
  rmSync(dir, { recursive: true });
});

test('client and server over a Unix socket; close removes the socket file', async () => {
  const dir = tempDir();
  const path = join(dir, 'socket');
  const server = await echoServer(path);
  const transports = await Promise.all([1, 2].map(() => connectUnixSocket(path)));
  const clients = transports.map((t) => new XsClient(t));
  const values = await Promise.all(
    clients.flatMap((c, ci) => Array.from({ length: 50 }, (_, i) => c.read(`/c${ci}/${i}`))),
  );
  assert.deepEqual(values, [0, 1].flatMap((ci) => Array.from({ length: 50 }, (_, i) => `/c${ci}/${i}\0`)));
  const gone = new Promise<Error | undefined>((resolve) => transports[1]!.onClose(resolve));
  await server.close();
  assert.equal(existsSync(path), false);
  assert.match(String(await gone), /closed/);
  await assert.rejects(clients[1]!.read('/x'), (e: unknown) => e instanceof XsError && e.code === 'EIO');
  for (const c of clients) c.close();
  rmSync(dir, { recursive: true });
});

test('many connections open and close; the server sees each close; a daemon-side close ends the client', async () => {
  const dir = tempDir();
  const path = join(dir, 'socket');
  let open = 0;
  let closed = 0;
  const conns: { close(): void }[] = [];
  const server = await listenUnixSocket(path, (conn) => {
    open++;
    conns.push(conn);
    conn.onClose(() => closed++);
    const dec = new MessageDecoder();
    conn.onData((chunk) => {
      dec.push(chunk);
      for (let m = dec.next(); m; m = dec.next()) conn.write(encodeFrame(m.type, m.reqId, m.txId, m.payload));
    });
  });
  for (let round = 0; round < 5; round++) {
    const clients = await Promise.all(Array.from({ length: 20 }, async () => new XsClient(await connectUnixSocket(path))));
    assert.deepEqual(await Promise.all(clients.map((c, i) => c.read(`/r${round}/${i}`))), clients.map((_, i) => `/r${round}/${i}\0`));
    for (const c of clients) c.close();
  }
  while (closed < 100) await new Promise((r) => setTimeout(r, 5));
  assert.equal(open, 100);

  // The daemon drops a connection (as for a malformed frame): pending calls reject with EIO.
  const transport = await connectUnixSocket(path);
  const c = new XsClient(transport);
  const ended = new Promise<Error | undefined>((resolve) => transport.onClose(resolve));
  await c.read('/before');
  conns[conns.length - 1]!.close();
  assert.match(String(await ended), /daemon closed/);
  await assert.rejects(c.read('/after'), (e: unknown) => e instanceof XsError && e.code === 'EIO');
  await server.close();
  rmSync(dir, { recursive: true });
});

test('listen refuses a live daemon, replaces a stale socket, never deletes a regular file', async () => {
  const dir = tempDir();
  const path = join(dir, 'socket');
  const live = await echoServer(path);
  await assert.rejects(listenUnixSocket(path, () => {}), /already answers/);
  await live.close();

  // A stale socket file: a listener that died without unlinking.
  const stale = net.createServer();
  await new Promise<void>((r) => stale.listen(path, r));
  // Detach the file from the listener: close the fd without libuv's unlink.
  const staleCopy = join(dir, 'stale');
  execFileSync('ln', [path, staleCopy]);
  await new Promise<void>((r) => stale.close(() => r()));
  execFileSync('mv', [staleCopy, path]);
  assert.equal(existsSync(path), true);
  const fresh = await echoServer(path);
  const c = new XsClient(await connectUnixSocket(path));
  assert.equal(await c.read('/ok'), '/ok\0');
  c.close();
  await fresh.close();

  const file = join(dir, 'file');
  writeFileSync(file, 'keep me');
  await assert.rejects(listenUnixSocket(file, () => {}), /not a socket/);
  assert.equal(existsSync(file), true);
  rmSync(dir, { recursive: true });
});

const skipReal = realxsSkipReason();
if (skipReal) console.log(`# skipping real oxenstored test: ${skipReal}`);

test('XsClient against the REAL oxenstored: read/write/directory/perms/watch/transaction', { skip: skipReal }, async () => {
  const dir = mkdtempSync('/tmp/xs-proto-ox-');
  const pid = execFileSync(join(REALXS_TOOLS, 'start.sh'), ['oxenstored', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const c = new XsClient(await connectUnixSocket(join(dir, 'socket')));
    const value = 'v\x01\xff' + 'z'.repeat(300);
    await c.write('/xstorm/a', value);
    assert.equal(await c.read('/xstorm/a'), value);
    await c.mkdir('/xstorm/d');
    assert.deepEqual((await c.directory('/xstorm')).sort(), ['a', 'd']);
    assert.deepEqual(await c.getPerms('/xstorm/a'), ['n0']);
    await c.setPerms('/xstorm/a', ['r0', 'w3']);
    assert.deepEqual(await c.getPerms('/xstorm/a'), ['r0', 'w3']);
    await assert.rejects(c.read('/xstorm/none'), (e: unknown) => e instanceof XsError && e.code === 'ENOENT');

    const events: string[] = [];
    c.onWatchEvent((p, t) => events.push(`${p}|${t}`));
    await c.watch('/xstorm/d', 'tok');
    await c.write('/xstorm/d/k', '1');
    const r = await c.transaction(async (tx) => {
      const v = await tx.read('/xstorm/d/k');
      await tx.write('/xstorm/d/k', String(Number(v) + 1));
      return tx.directory('/xstorm/d');
    });
    assert.deepEqual(r, { value: ['k'], attempts: 1 });
    assert.equal(await c.read('/xstorm/d/k'), '2');
    // Conflict: another connection commits the key under an open transaction.
    const other = new XsClient(await connectUnixSocket(join(dir, 'socket')));
    let first = true;
    const r2 = await c.transaction(async (tx) => {
      const v = await tx.read('/xstorm/d/k');
      if (first) {
        first = false;
        await other.write('/xstorm/d/k', '100');
      }
      await tx.write('/xstorm/d/k', String(Number(v) + 1));
    });
    assert.equal(r2.attempts, 2);
    assert.equal(await c.read('/xstorm/d/k'), '101');
    await c.rm('/xstorm');
    assert.equal((await c.directory('/')).includes('xstorm'), false);
    await c.unwatch('/xstorm/d', 'tok');
    assert.equal(await c.getDomainPath(4), '/local/domain/4');
    assert.equal(events[0], '/xstorm/d|tok'); // the initial event on WATCH
    assert.ok(events.includes('/xstorm/d/k|tok'));
    other.close();
    c.close();
  } finally {
    execFileSync(join(REALXS_TOOLS, 'stop.sh'), [pid], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
});
