/**
 * The daemon on its own worker thread, reached through rings by XsClient.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemonThread } from '../../daemon/index.ts';
import { RingClientTransport, createClientBell } from '../../protocol/ring.ts';
import { XsClient } from '../../protocol/client.ts';
import { isXsError } from '../../engines/index.ts';

describe('daemon thread over rings', () => {
  it('serves clients, fires watches, reports stats, stops', async () => {
    const t = await startDaemonThread({ engine: 'trie' });
    const errors: Error[] = [];
    t.onError((e) => errors.push(e));
    const a = new XsClient(new RingClientTransport(await t.attach(0)));
    const b = new XsClient(new RingClientTransport(await t.attach(0)));
    const seen: string[] = [];
    b.onWatchEvent((path, token) => seen.push(`${path}|${token}`));
    await b.watch('/w', 'tok');
    await a.write('/w/x', 'hello');
    assert.equal(await b.read('/w/x'), 'hello');
    // pipelined: many requests in flight at once through the 1 KiB ring
    const values = await Promise.all(Array.from({ length: 500 }, (_, i) => a.write(`/p/k${i}`, 'v'.repeat(i % 50)).then(() => a.read(`/p/k${i}`))));
    assert.deepEqual(values, Array.from({ length: 500 }, (_, i) => 'v'.repeat(i % 50)));
    const { value, attempts } = await a.transaction(async (tx) => {
      await tx.write('/w/t', String(Number(await tx.read('/w/x').catch(() => '0')) + 1));
      return 'done';
    });
    assert.equal(value, 'done');
    assert.equal(attempts, 1);
    await assert.rejects(a.read('/missing'), (e) => isXsError(e, 'ENOENT'));
    // watch events: initial, the write, the commit
    await b.read('/w/x'); // a round trip so events sent before it have arrived
    assert.deepEqual(seen, ['/w|tok', '/w/x|tok', '/w/t|tok']);
    const st = await t.stats();
    assert.equal(st.daemon.connections, 2);
    assert.equal(st.daemon.commits, 1);
    assert.equal(st.daemon.errorsByErrno['ENOENT'], 1);
    assert.ok(st.engineCounters !== null && typeof st.engineCounters === 'object');
    assert.ok(st.cpuMs > 0);
    assert.ok(st.rssBytes > 0);
    // an unprivileged guest: relative paths and permissions
    const g = new XsClient(new RingClientTransport(await t.attach(5)));
    await a.mkdir('/local/domain/5');
    await a.setPerms('/local/domain/5', ['n5']);
    await g.write('data/x', '1');
    assert.equal(await a.read('/local/domain/5/data/x'), '1');
    await assert.rejects(g.read('/w/x'), (e) => isXsError(e, 'EACCES'));
    a.close();
    b.close();
    g.close();
    await t.stop();
    assert.deepEqual(errors, []);
  });

  it('detach closes the guest\'s ring and aborts its transactions', async () => {
    const t = await startDaemonThread({ engine: 'trie' });
    const ep = await t.attach(0);
    const a = new XsClient(new RingClientTransport(ep));
    const tx = await a.transactionStart();
    await a.write('/gone', 'x', tx);
    await t.detach(ep);
    await assert.rejects(a.read('/tool/xenstored'), (e) => isXsError(e, 'EIO'));
    const b = new XsClient(new RingClientTransport(await t.attach(0)));
    await assert.rejects(b.read('/gone'), (e) => isXsError(e, 'ENOENT'));
    const st = await t.stats();
    assert.equal(st.daemon.aborts, 1);
    b.close();
    await t.stop();
  });

  it('reports a failing engine through onError/rejection, naming it', async () => {
    await assert.rejects(
      startDaemonThread({ engine: 'tdb', engineOptions: { dir: '/etc/hostname/not-a-dir' } }),
      /engine tdb/,
    );
  });

  it('serves rings that share one client bell (one wake-up of this thread per daemon turn)', async () => {
    const t = await startDaemonThread({ engine: 'trie' });
    const clientBell = createClientBell();
    const clients = await Promise.all([0, 1, 2, 3].map(async () => new XsClient(new RingClientTransport(await t.attach(0, { clientBell })))));
    const seen: string[] = [];
    clients[3]!.onWatchEvent((path, token) => seen.push(`${path}|${token}`));
    await clients[3]!.watch('/sb', 'w');
    const values = await Promise.all(clients.flatMap((c, i) => Array.from({ length: 100 }, (_, k) => c.write(`/sb/c${i}/k${k}`, `${i}.${k}`).then(() => c.read(`/sb/c${i}/k${k}`)))));
    assert.deepEqual(values, clients.flatMap((_, i) => Array.from({ length: 100 }, (_, k) => `${i}.${k}`)));
    await clients[3]!.read('/sb/c0/k0'); // a round trip: the events have arrived
    assert.equal(seen.length, 1 + 400); // the initial event, then one per write
    for (const c of clients) c.close();
    await t.stop();
  });
});
