/**
 * The daemon in-process: dispatch of every message type, watches,
 * transactions, quotas, fairness, malformed input, flow control.
 * Expected replies are those of the real Xen 4.17 daemons where they agree
 * (measured with ../shared/realxs; see daemon/README.md).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, encodePathValue } from '../../protocol/codec.ts';
import { XsType } from '../../protocol/wire.ts';
import { ENGINE_KINDS } from '../../engines/index.ts';
import { TestConn, events, newDaemon, s } from './harness.ts';

const T = XsType;

describe('daemon: start state and basic requests', () => {
  it('creates /tool/xenstored like cxenstored 4.17', () => {
    const c = new TestConn(newDaemon(), 0);
    assert.equal(c.call(T.DIRECTORY, s('/')), 'tool\0');
    assert.equal(c.call(T.DIRECTORY, s('/tool')), 'xenstored\0');
    assert.equal(c.read('/tool/xenstored'), '');
    assert.equal(c.call(T.GET_PERMS, s('/tool')), 'n0\0');
  });

  it('serves read/write/mkdir/rm/directory/perms with the real daemons\' replies', () => {
    const c = new TestConn(newDaemon(), 0);
    assert.equal(c.write('/a/b', 'v\x00\xff'), 'OK\0');
    assert.equal(c.read('/a/b'), 'v\x00\xff'); // raw bytes round-trip
    assert.equal(c.read('/a'), '');
    assert.equal(c.call(T.MKDIR, s('/a')), 'OK\0');
    assert.equal(c.call(T.MKDIR, s('/a/m')), 'OK\0');
    assert.equal(c.call(T.DIRECTORY, s('/a')).split('\0').filter(Boolean).sort().join(','), 'b,m');
    assert.equal(c.call(T.SET_PERMS, s('/a/b', 'n0', 'r5')), 'OK\0');
    assert.equal(c.call(T.GET_PERMS, s('/a/b')), 'n0\0r5\0');
    assert.equal(c.call(T.SET_PERMS, s('/a/b', 'z0')), 'ERR:EINVAL');
    assert.equal(c.call(T.RM, s('/a/m/missing')), 'OK\0'); // parent exists
    assert.equal(c.call(T.RM, s('/nope/x')), 'ERR:ENOENT'); // parent missing
    assert.equal(c.call(T.RM, s('/')), 'ERR:EINVAL');
    assert.equal(c.call(T.RM, s('/a')), 'OK\0');
    assert.equal(c.read('/a/b'), 'ERR:ENOENT');
    assert.equal(c.call(T.DIRECTORY, s('/a')), 'ERR:ENOENT');
    assert.equal(c.write('/', 'x'), 'OK\0');
  });

  it('resolves relative paths under /local/domain/<domid>', () => {
    const d = newDaemon();
    const dom0 = new TestConn(d, 0);
    assert.equal(dom0.write('rel/x', '1'), 'OK\0');
    assert.equal(dom0.read('/local/domain/0/rel/x'), '1');
    assert.equal(dom0.call(T.MKDIR, s('/local/domain/7')), 'OK\0');
    assert.equal(dom0.call(T.SET_PERMS, s('/local/domain/7', 'n7')), 'OK\0');
    const dom7 = new TestConn(d, 7);
    assert.equal(dom7.write('data/y', '2'), 'OK\0');
    assert.equal(dom0.read('/local/domain/7/data/y'), '2');
    // permissions are the engine's: dom7 may not read dom0's nodes
    assert.equal(dom7.read('/tool/xenstored'), 'ERR:EACCES');
    assert.equal(dom7.read('/local/domain/0/rel/x'), 'ERR:EACCES');
    assert.equal(dom7.write('/tool/x', '1'), 'ERR:EACCES');
  });

  it('answers malformed requests like the real daemons, without closing', () => {
    const c = new TestConn(newDaemon(), 0);
    assert.equal(c.call(T.READ, new TextEncoder().encode('/tool')), 'ERR:EINVAL'); // missing NUL
    assert.equal(c.call(T.READ, new Uint8Array(0)), 'ERR:EINVAL');
    assert.equal(c.call(T.READ, s('')), 'ERR:EINVAL');
    assert.equal(c.call(T.READ, s('/tool', 'extra')), 'ERR:EINVAL');
    assert.equal(c.call(T.READ, s('/a//b')), 'ERR:EINVAL');
    assert.equal(c.call(T.READ, s('/tool/')), 'ERR:EINVAL');
    assert.equal(c.call(T.READ, s('/to ol')), 'ERR:EINVAL');
    assert.equal(c.call(T.READ, s('@releaseDomain')), 'ERR:EINVAL');
    assert.equal(c.call(T.WRITE, new TextEncoder().encode('/w')), 'ERR:EINVAL');
    assert.equal(c.call(99, s('x')), 'ERR:ENOSYS');
    assert.equal(c.call(T.WATCH_EVENT, s('a', 'b')), 'ERR:ENOSYS');
    assert.equal(c.call(T.ERROR, s('EINVAL')), 'ERR:ENOSYS');
    assert.equal(c.call(T.WATCH, new TextEncoder().encode('/w\0tok')), 'ERR:EINVAL');
    assert.equal(c.call(T.TRANSACTION_END, s('X')), 'ERR:EINVAL');
    assert.equal(c.call(T.CONTROL, s('bogus')), 'ERR:EINVAL');
    assert.equal(c.call(T.CONTROL, s('print', 'hello')), 'OK\0');
    assert.equal(c.read('/tool/xenstored'), ''); // still serving
    assert.equal(c.conn.closed, false);
  });

  it('echoes req_id and tx_id in replies', () => {
    const c = new TestConn(newDaemon(), 0);
    const got = c.req(T.READ, s('/tool'), 1234);
    assert.deepEqual(got, [{ type: T.ERROR, reqId: 1, txId: 1234, text: 'ENOENT\0' }]);
  });
});

describe('daemon: domains', () => {
  it('INTRODUCE/RELEASE/IS_DOMAIN_INTRODUCED/GET_DOMAIN_PATH/RESUME/SET_TARGET', () => {
    const d = newDaemon();
    const c = new TestConn(d, 0);
    const w = new TestConn(d, 0);
    w.req(T.WATCH, s('@introduceDomain', 'i'));
    w.req(T.WATCH, s('@releaseDomain', 'r'));
    assert.equal(c.call(T.IS_DOMAIN_INTRODUCED, s('0')), 'T\0');
    assert.equal(c.call(T.IS_DOMAIN_INTRODUCED, s('5')), 'F\0');
    assert.equal(c.call(T.GET_DOMAIN_PATH, s('5')), '/local/domain/5\0');
    assert.equal(c.call(T.GET_DOMAIN_PATH, s('x')), '/local/domain/0\0'); // atoi, like both real daemons
    assert.equal(c.call(T.RELEASE, s('5')), 'ERR:ENOENT');
    assert.equal(c.call(T.RESUME, s('5')), 'ERR:ENOENT');
    assert.equal(c.call(T.RESUME, s('0')), 'ERR:EINVAL');
    assert.equal(c.call(T.SET_TARGET, s('5', '6')), 'ERR:ENOENT');
    assert.equal(c.call(T.INTRODUCE, s('5', '1234', '7')), 'OK\0');
    assert.deepEqual(events(w.take()), ['@introduceDomain|i']);
    assert.equal(c.call(T.INTRODUCE, s('5', '1234', '7')), 'ERR:EEXIST');
    assert.equal(c.call(T.IS_DOMAIN_INTRODUCED, s('5')), 'T\0');
    assert.equal(c.call(T.RESUME, s('5')), 'OK\0');
    assert.equal(c.call(T.SET_TARGET, s('5', '0')), 'OK\0');
    assert.equal(c.call(T.RELEASE, s('5')), 'OK\0');
    assert.deepEqual(events(w.take()), ['@releaseDomain|r']);
    assert.equal(c.call(T.IS_DOMAIN_INTRODUCED, s('5')), 'F\0');
    // privileged only
    const g = new TestConn(d, 9);
    assert.equal(g.call(T.INTRODUCE, s('6', '1', '1')), 'ERR:EACCES');
    assert.equal(g.call(T.RELEASE, s('5')), 'ERR:EACCES');
    assert.equal(g.call(T.CONTROL, s('print', 'x')), 'ERR:EACCES');
    assert.equal(g.call(T.GET_DOMAIN_PATH, s('9')), '/local/domain/9\0');
  });

  it('DIRECTORY_PART in cxenstored\'s format, across several parts', () => {
    const c = new TestConn(newDaemon(), 0);
    const names: string[] = [];
    for (let i = 0; i < 300; i++) {
      const n = `child-with-a-long-name-${String(i).padStart(4, '0')}`;
      names.push(n);
      c.write(`/big/${n}`, '');
    }
    assert.equal(c.call(T.DIRECTORY, s('/big')), 'ERR:E2BIG');
    const got: string[] = [];
    let offset = 0;
    let gen: string | undefined;
    for (let part = 0; part < 10; part++) {
      const r = c.call(T.DIRECTORY_PART, s('/big', String(offset)));
      const parts = r.split('\0');
      gen ??= parts[0];
      assert.equal(parts[0], gen);
      const body = r.slice(parts[0]!.length + 1);
      if (body.endsWith('\0\0') || body === '\0') {
        got.push(...body.split('\0').filter(Boolean));
        break;
      }
      got.push(...body.split('\0').filter(Boolean));
      offset += body.length;
    }
    assert.deepEqual([...got].sort(), names);
    assert.equal(c.call(T.DIRECTORY_PART, s('/big')), 'ERR:EINVAL');
  });
});

describe('daemon: watches', () => {
  it('fires initial events, subtree changes, removals below, in registration order', () => {
    const d = newDaemon();
    const w = new TestConn(d, 0);
    const c = new TestConn(d, 0);
    assert.deepEqual(w.req(T.WATCH, s('/a/b/c', 'deep')).map((m) => m.type), [T.WATCH, T.WATCH_EVENT]);
    assert.deepEqual(events(w.req(T.WATCH, s('/a', 'top'))), ['/a|top']);
    assert.deepEqual(events(w.req(T.WATCH, s('/', 'root'))), ['/|root']);
    c.write('/a/b/c/d', 'v');
    assert.deepEqual(events(w.take()), ['/a/b/c/d|deep', '/a/b/c/d|top', '/a/b/c/d|root']);
    c.call(T.MKDIR, s('/a/b')); // exists: no event
    assert.deepEqual(events(w.take()), []);
    c.call(T.MKDIR, s('/a/n'));
    assert.deepEqual(events(w.take()), ['/a/n|top', '/a/n|root']);
    c.call(T.SET_PERMS, s('/a/n', 'n0'));
    assert.deepEqual(events(w.take()), ['/a/n|top', '/a/n|root']);
    c.call(T.RM, s('/a/n/missing'));
    assert.deepEqual(events(w.take()), []);
    c.call(T.RM, s('/a/b'));
    assert.deepEqual(events(w.take()), ['/a/b/c|deep', '/a/b|top', '/a/b|root']);
    w.req(T.WATCH, s('/q/r', 'below'));
    c.write('/q/r', '1');
    w.take();
    c.call(T.RM, s('/q'));
    // watches below a removed node first, then the usual ones (cxenstored)
    assert.deepEqual(events(w.take()), ['/q/r|below', '/q|root']);
    c.write('/other', '1');
    assert.deepEqual(events(w.take()), ['/other|root']);
  });

  it('sends relative event paths to relative watches', () => {
    const d = newDaemon();
    const w = new TestConn(d, 0);
    assert.deepEqual(events(w.req(T.WATCH, s('rel', 'rt'))), ['rel|rt']);
    new TestConn(d, 0).write('/local/domain/0/rel/x', 'v');
    assert.deepEqual(events(w.take()), ['rel/x|rt']);
  });

  it('UNWATCH, duplicates, RESET_WATCHES, @names', () => {
    const d = newDaemon();
    const w = new TestConn(d, 0);
    const c = new TestConn(d, 0);
    w.req(T.WATCH, s('/a', 'dup'));
    assert.equal(w.call(T.WATCH, s('/a', 'dup')), 'ERR:EEXIST');
    assert.deepEqual(events(w.req(T.WATCH, s('/a', 't2'))), ['/a|t2']);
    assert.equal(w.call(T.UNWATCH, s('/a', 'nope')), 'ERR:ENOENT');
    assert.equal(w.call(T.UNWATCH, s('/a', 'dup')), 'OK\0');
    c.write('/a/q', '1');
    assert.deepEqual(events(w.take()), ['/a/q|t2']);
    assert.deepEqual(events(w.req(T.WATCH, s('@bogus', 't'))), ['@bogus|t']);
    assert.equal(w.call(T.RESET_WATCHES, new Uint8Array(0)), 'OK\0');
    c.write('/a/q', '2');
    assert.deepEqual(events(w.take()), []);
    assert.equal(d.stats().watches, 0);
  });

  it('fires transaction changes at commit, none on abort', () => {
    const d = newDaemon();
    const w = new TestConn(d, 0);
    const c = new TestConn(d, 0);
    c.write('/a/x', '0');
    c.write('/a/b/c', '0');
    w.req(T.WATCH, s('/a', 'top'));
    w.req(T.WATCH, s('/a/b/c', 'deep'));
    const tx = c.txStart();
    assert.equal(c.write('/a/t1', 'v', tx), 'OK\0');
    assert.equal(c.call(T.RM, s('/a/b'), tx), 'OK\0');
    assert.deepEqual(events(w.take()), []);
    assert.equal(c.call(T.TRANSACTION_END, s('T'), tx), 'OK\0');
    const got = events(w.take());
    assert.ok(got.includes('/a/t1|top'), JSON.stringify(got));
    assert.ok(got.includes('/a/b|top'), JSON.stringify(got));
    assert.ok(got.includes('/a/b/c|deep'), JSON.stringify(got)); // removal fires watches below
    const tx2 = c.txStart();
    c.write('/a/t2', 'v', tx2);
    assert.equal(c.call(T.TRANSACTION_END, s('F'), tx2), 'OK\0');
    assert.deepEqual(events(w.take()), []);
    assert.equal(c.read('/a/t2'), 'ERR:ENOENT');
  });
});

describe('daemon: transactions', () => {
  it('maps per-connection ids, rejects unknown and nested ones', () => {
    const d = newDaemon();
    const a = new TestConn(d, 0);
    const b = new TestConn(d, 0);
    a.write('/k', 'base');
    assert.equal(a.txStart(), 1);
    assert.equal(a.txStart(), 2);
    assert.equal(b.txStart(), 1); // ids are per connection, like both real daemons
    assert.equal(a.call(T.TRANSACTION_START, s(''), 1), 'ERR:EBUSY');
    assert.equal(a.call(T.TRANSACTION_END, s('T'), 99), 'ERR:ENOENT');
    assert.equal(a.read('/tool', 99), 'ERR:ENOENT');
    a.write('/k', 'in-tx', 1);
    assert.equal(a.read('/k', 1), 'in-tx');
    assert.equal(b.read('/k'), 'base');
    assert.equal(a.call(T.TRANSACTION_END, s('T'), 1), 'OK\0');
    assert.equal(b.read('/k'), 'in-tx');
    assert.equal(a.call(T.TRANSACTION_END, s('T'), 1), 'ERR:ENOENT'); // gone after end
  });

  it('aborts a closing connection\'s transactions', () => {
    const d = newDaemon();
    const a = new TestConn(d, 0);
    const tx = a.txStart();
    a.write('/left', 'x', tx);
    a.conn.close();
    assert.equal(a.conn.closed, true);
    const b = new TestConn(d, 0);
    assert.equal(b.read('/left'), 'ERR:ENOENT');
    assert.equal(d.stats().aborts, 1);
    assert.equal(d.stats().connections, 1);
  });

  it('reports EAGAIN from the engine and counts it', () => {
    const d = newDaemon('tdb');
    const a = new TestConn(d, 0);
    const b = new TestConn(d, 0);
    a.write('/k', '0');
    const tx = a.txStart();
    a.read('/k', tx);
    a.write('/k', '1', tx);
    b.write('/other', '1'); // tdb: any commit bumps the global generation
    assert.equal(a.call(T.TRANSACTION_END, s('T'), tx), 'ERR:EAGAIN');
    assert.equal(d.stats().conflicts, 1);
    d.close();
  });
});

describe('daemon: quotas (unprivileged connections; dom0 is exempt like on both real daemons)', () => {
  it('transactions per connection: ENOSPC past the quota', () => {
    const d = newDaemon('trie', { maxTransactionsPerConnection: 3 });
    const g = new TestConn(d, 5);
    // like cxenstored 4.17: the check is `open > quota`, so quota + 1 fit
    for (let i = 0; i < 4; i++) assert.match(g.call(T.TRANSACTION_START, s('')), /^\d+\0$/);
    assert.equal(g.call(T.TRANSACTION_START, s('')), 'ERR:ENOSPC');
    const dom0 = new TestConn(d, 0);
    for (let i = 0; i < 5; i++) assert.match(dom0.call(T.TRANSACTION_START, s('')), /^\d+\0$/);
  });

  it('watches per connection: E2BIG past the quota', () => {
    const d = newDaemon('trie', { maxWatchesPerConnection: 2 });
    const g = new TestConn(d, 5);
    g.req(T.WATCH, s('a', 't1'));
    g.req(T.WATCH, s('b', 't2'));
    g.req(T.WATCH, s('c', 't3')); // quota + 1 fit, as in cxenstored 4.17
    assert.equal(g.call(T.WATCH, s('d', 't4')), 'ERR:E2BIG');
    const dom0 = new TestConn(d, 0);
    for (let i = 0; i < 5; i++) assert.equal(events(dom0.req(T.WATCH, s(`/w${i}`, 't'))).length, 1);
  });

  it('validates options strictly', () => {
    assert.throws(() => newDaemon('trie', { bogus: 1 } as never), /invalid daemon options/);
    assert.throws(() => newDaemon('trie', { maxWatchesPerConnection: -1 }), /maxWatchesPerConnection/);
  });
});

describe('daemon: scheduling and robustness', () => {
  it('serves one request per connection per turn (round-robin)', () => {
    const d = newDaemon();
    const a = new TestConn(d, 0);
    const b = new TestConn(d, 0);
    for (let i = 0; i < 3; i++) a.queue(T.READ, s('/tool'));
    for (let i = 0; i < 3; i++) b.queue(T.READ, s('/tool'));
    const order: number[] = [];
    for (let c = d.processNext(); c; c = d.processNext()) order.push(c.id);
    assert.deepEqual(order, [a.conn.id, b.conn.id, a.conn.id, b.conn.id, a.conn.id, b.conn.id]);
    assert.equal(d.hasWork(), false);
  });

  it('drops a connection that sends an oversize frame; others are unaffected', () => {
    const d = newDaemon();
    let closedWith: string | undefined;
    const bad = new TestConn(d, 0, { onClose: (r) => (closedWith = r) });
    const good = new TestConn(d, 0);
    const tx = bad.txStart();
    bad.write('/half', 'x', tx);
    const hdr = encodeFrame(T.WRITE, 1, 0, new Uint8Array(0));
    new DataView(hdr.buffer).setUint32(12, 5000, true);
    bad.conn.receive(hdr);
    good.queue(T.READ, s('/tool/xenstored'));
    while (d.processNext()) {
      // serve
    }
    assert.equal(bad.conn.closed, true);
    assert.match(closedWith!, /broken input/);
    assert.deepEqual(good.take().map((m) => m.text), ['']);
    assert.equal(good.read('/half'), 'ERR:ENOENT'); // its transaction was aborted
    assert.equal(d.stats().connectionsDropped, 1);
  });

  it('pauses a connection whose replies go unread and drops one that lets events pile up', () => {
    const d = newDaemon('trie', { maxReplyBacklogBytes: 100, maxBufferedBytes: 1000 });
    let backlog = 0;
    let closed = false;
    const slow = new TestConn(d, 0, { backlog: () => backlog, onClose: () => (closed = true) });
    const fast = new TestConn(d, 0);
    slow.queue(T.READ, s('/tool'));
    backlog = 101;
    assert.equal(d.hasWork(), false);
    assert.equal(d.processNext(), undefined);
    assert.equal(fast.read('/tool'), ''); // others go on
    backlog = 0;
    assert.equal(d.hasWork(), true);
    assert.equal(d.processNext()?.id, slow.conn.id);
    slow.take();
    slow.req(T.WATCH, s('/ev', 't'));
    backlog = 1001;
    fast.write('/ev/x', '1');
    assert.equal(closed, true);
    assert.equal(slow.conn.closed, true);
  });

  it('keeps statistics', () => {
    const d = newDaemon();
    const c = new TestConn(d, 0);
    c.read('/tool');
    c.read('/nope');
    c.write('/x', '1');
    c.call(99, s(''));
    const st = d.stats();
    assert.equal(st.requests, 4);
    assert.equal(st.errors, 2);
    assert.deepEqual(st.errorsByErrno, { ENOENT: 1, ENOSYS: 1 });
    assert.deepEqual(st.requestsByType, { READ: 2, WRITE: 1, 'UNKNOWN(99)': 1 });
    assert.equal(st.connections, 1);
  });
});

describe('daemon: every engine serves the basics', () => {
  for (const kind of ENGINE_KINDS) {
    it(kind, () => {
      const d = newDaemon(kind);
      const a = new TestConn(d, 0);
      const w = new TestConn(d, 0);
      w.req(T.WATCH, s('/e', 'tok'));
      assert.equal(a.write('/e/k', 'v'), 'OK\0');
      assert.deepEqual(events(w.take()), ['/e/k|tok']);
      const tx = a.txStart();
      assert.equal(a.write('/e/t', 'w', tx), 'OK\0');
      assert.equal(a.call(T.TRANSACTION_END, s('T'), tx), 'OK\0');
      assert.deepEqual(events(w.take()), ['/e/t|tok']);
      assert.equal(a.read('/e/t'), 'w');
      assert.equal(a.call(T.WRITE, encodePathValue('/e/k2', 'x')), 'OK\0');
      d.close();
    });
  }
});

describe('daemon: a transaction removing a subtree', () => {
  for (const kind of ENGINE_KINDS) {
    it(`${kind}: fires one event per watch, like a plain rm (both real daemons)`, () => {
      const d = newDaemon(kind);
      const w = new TestConn(d, 0);
      const c = new TestConn(d, 0);
      c.write('/wt/a/b', '1');
      c.write('/wt/c', '1');
      w.req(T.WATCH, s('/wt', 'tok'));
      w.req(T.WATCH, s('/wt/a/b', 'deep'));
      const tx = c.txStart();
      assert.equal(c.call(T.RM, s('/wt'), tx), 'OK\0');
      assert.equal(c.call(T.TRANSACTION_END, s('T'), tx), 'OK\0');
      assert.deepEqual(events(w.take()), ['/wt|tok', '/wt/a/b|deep']);
      d.close();
    });
  }
});
