/**
 * Limits that follow the real daemon each engine models (daemon/limits.ts):
 * path lengths, the daemon-wide cap on open transactions of engines that
 * hold a descriptor per transaction, and the rate limit on log lines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_LIMITS, defaultMaxOpenTransactions } from '../../daemon/index.ts';
import { domainHomePrefixLength, withinPathLimit } from '../../daemon/limits.ts';
import { LOG_BURST, LOG_WINDOW_MS } from '../../daemon/log.ts';
import { XsType } from '../../protocol/wire.ts';
import { TestConn, longPath, newDaemon, s } from './harness.ts';

describe('path length limits per engine', () => {
  it('measures below a /local/domain/<id>/ prefix like cxenstored 4.17 (1 to 5 digits, then /)', () => {
    assert.equal(domainHomePrefixLength('/local/domain/5/x'), 16);
    assert.equal(domainHomePrefixLength('/local/domain/12345/x'), 20);
    assert.equal(domainHomePrefixLength('/local/domain/123456/x'), 0);
    assert.equal(domainHomePrefixLength('/local/domain/123456/x', Infinity), 21);
    assert.equal(domainHomePrefixLength('/local/domain/5'), 0);
    assert.equal(domainHomePrefixLength('/local/domain//x'), 0);
    assert.equal(domainHomePrefixLength('/local/domainx/5/x'), 0);
    const limit = { max: 10, measure: 'below-domain-home' as const };
    assert.equal(withinPathLimit(limit, '/local/domain/5/aaaaaaaaaa', 'x'), true);
    assert.equal(withinPathLimit(limit, '/local/domain/5/aaaaaaaaaab', 'x'), false);
  });

  // What each engine answers to a WRITE of an absolute, a /local/domain/0/
  // and a relative path of a given length (measured on the real 4.17
  // daemons for tdb-pernode and trie-replay: test/daemon/differential-limits.test.ts).
  const cases: [string, number, string][] = [
    ['abs', 1024, ''], ['abs', 1025, ''], ['abs', 2048, ''], ['abs', 2049, ''], ['abs', 3072, ''], ['abs', 3073, ''],
    ['home', 16 + 1024, '/local/domain/0/'], ['home', 16 + 1025, '/local/domain/0/'], ['home', 16 + 2048, '/local/domain/0/'], ['home', 16 + 2049, '/local/domain/0/'],
    ['rel', 1024, 'rel'], ['rel', 1025, 'rel'], ['rel', 2048, 'rel'], ['rel', 2049, 'rel'], ['rel', 3056, 'rel'], ['rel', 3057, 'rel'],
  ];
  const expected: Record<string, string> = {
    // 2009 C xenstored: the whole path (a relative one completed) ≤ 3072.
    tdb: 'OK OK OK OK OK EINVAL OK OK OK OK OK OK OK OK OK EINVAL',
    // cxenstored 4.17: ≤ 2048 not counting /local/domain/<id>/.
    'tdb-pernode': 'OK OK OK EINVAL EINVAL EINVAL OK OK OK EINVAL OK OK OK EINVAL EINVAL EINVAL',
    // 2009 oxenstored: ≤ 1024 as sent.
    trie: 'OK EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL OK EINVAL EINVAL EINVAL EINVAL EINVAL',
    // oxenstored 4.17 (quota-path-max 1024): ≤ 1024 not counting /local/domain/<id>/.
    'trie-replay': 'OK EINVAL EINVAL EINVAL EINVAL EINVAL OK EINVAL EINVAL EINVAL OK EINVAL EINVAL EINVAL EINVAL EINVAL',
  };
  for (const kind of Object.keys(ENGINE_LIMITS) as (keyof typeof ENGINE_LIMITS)[]) {
    it(`${kind} (${ENGINE_LIMITS[kind].models}) writes and reads paths up to its limit only`, () => {
      const daemon = newDaemon(kind);
      const c = new TestConn(daemon, 0);
      const got = cases.map(([form, n, prefix]) => {
        const path = form === 'rel' ? longPath(n + 1, '/').slice(1) : longPath(n, prefix || '/');
        assert.equal(path.length, n);
        const w = c.write(path, 'v');
        const r = c.read(path);
        assert.equal(w === 'OK\0' ? 'OK' : w.slice(4), r === 'v' ? 'OK' : r.slice(4), `${form} ${n}: read and write agree`);
        return w === 'OK\0' ? 'OK' : w.slice(4);
      });
      assert.equal(got.join(' '), expected[kind]);
      daemon.close();
    });
  }

  it('limits WATCH paths like the modelled daemon (none for the oxenstored models)', () => {
    const got: Record<string, string> = {};
    for (const kind of Object.keys(ENGINE_LIMITS) as (keyof typeof ENGINE_LIMITS)[]) {
      const daemon = newDaemon(kind);
      const c = new TestConn(daemon, 0);
      const watch = (p: string): string => {
        const r = c.call(XsType.WATCH, s(p, 't'));
        return r === 'OK\0' ? 'OK' : r.slice(4);
      };
      got[kind] = [watch(longPath(2048)), watch(longPath(2049)), watch(longPath(3073)), watch(`@${'a'.repeat(2047)}`), watch(`@${'a'.repeat(2048)}`)].join(' ');
      daemon.close();
    }
    assert.deepEqual(got, {
      tdb: 'OK OK EINVAL OK EINVAL',
      'tdb-pernode': 'OK EINVAL EINVAL OK EINVAL',
      trie: 'OK OK OK OK OK',
      'trie-replay': 'OK OK OK OK OK',
    });
  });
});

describe('open transactions per daemon', () => {
  it('tdb caps them (each holds a descriptor) at half the soft descriptor limit, at most 4096; the others do not', () => {
    assert.ok(defaultMaxOpenTransactions('tdb') >= 16 && defaultMaxOpenTransactions('tdb') <= 4096);
    assert.equal(defaultMaxOpenTransactions('trie'), Infinity);
    assert.equal(defaultMaxOpenTransactions('tdb-pernode'), Infinity);
    assert.equal(defaultMaxOpenTransactions('trie-replay'), Infinity);
  });

  it('answers ENOSPC past maxOpenTransactions, for dom0 too, and counts them across connections', () => {
    const daemon = newDaemon('tdb', { maxOpenTransactions: 3 });
    const a = new TestConn(daemon, 0);
    const b = new TestConn(daemon, 0);
    const t1 = a.txStart();
    a.txStart();
    b.txStart();
    assert.equal(b.call(XsType.TRANSACTION_START, s('')), 'ERR:ENOSPC');
    assert.equal(daemon.stats().openTransactions, 3);
    assert.equal(a.call(XsType.TRANSACTION_END, s('F'), t1), 'OK\0');
    assert.notEqual(b.call(XsType.TRANSACTION_START, s('')).slice(0, 4), 'ERR:');
    a.conn.close(); // its open transaction is aborted and no longer counted
    assert.equal(daemon.stats().openTransactions, 2);
    daemon.close();
  });
});

describe('logging', () => {
  it('logs at most LOG_BURST lines of a kind per window and counts the rest', () => {
    const lines: string[] = [];
    const daemon = newDaemon('trie', { log: (_level, m) => lines.push(m) });
    const drop = (): void => {
      const c = daemon.connect(0, () => {});
      const h = new Uint8Array(16);
      new DataView(h.buffer).setUint32(12, 99_999, true); // oversize frame: dropped
      c.receive(h);
      while (daemon.processNext()) {
        // serve to idle
      }
    };
    daemon.tick(0);
    for (let i = 0; i < 100; i++) drop();
    assert.equal(lines.length, LOG_BURST);
    assert.equal(daemon.stats().logLinesSuppressed, 100 - LOG_BURST);
    assert.equal(daemon.stats().connectionsDropped, 100);
    daemon.tick(LOG_WINDOW_MS);
    drop();
    assert.equal(lines.length, LOG_BURST + 1);
    assert.match(lines.at(-1)!, /closed: broken input: .* \(90 more like this were not logged\)$/);
    daemon.close();
  });
});
