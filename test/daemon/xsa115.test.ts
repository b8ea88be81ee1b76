/**
 * XSA-115: a watch event reaches an unprivileged connection only when its
 * domain may read the changed node, its parent, or the node as it was
 * before the change (cxenstored 4.17's `watch_permitted`); `@` names fire
 * for dom0 only; a WATCH's own initial event is always sent (4.17 sends it
 * unchecked). dom0 hears everything. The engines that model the 4.17
 * daemons check by default; those that model the 2009 daemons send every
 * event, as those did, unless `checkWatchPermissions` is set.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { XsType } from '../../protocol/wire.ts';
import { TestConn, events, newDaemon, s } from './harness.ts';
import { ENGINE_KINDS } from '../../engines/index.ts';
import type { DaemonOptions } from '../../daemon/index.ts';

/** dom0 builds /local/domain/5 and /local/domain/6 owned by their domains, introduces both. */
function setup(kind: (typeof ENGINE_KINDS)[number] = 'trie-replay', options: DaemonOptions = {}) {
  const daemon = newDaemon(kind, options);
  const dom0 = new TestConn(daemon, 0);
  for (const d of [5, 6]) {
    assert.equal(dom0.write(`/local/domain/${d}/x`, ''), 'OK\0');
    assert.equal(dom0.call(XsType.SET_PERMS, s(`/local/domain/${d}`, `n${d}`)), 'OK\0');
    assert.equal(dom0.call(XsType.SET_PERMS, s(`/local/domain/${d}/x`, `n${d}`)), 'OK\0');
    assert.equal(dom0.call(XsType.INTRODUCE, s(String(d), '1', '1')), 'OK\0');
  }
  return { daemon, dom0, dom5: new TestConn(daemon, 5), dom6: new TestConn(daemon, 6) };
}

describe('XSA-115: watch events only for readable nodes', () => {
  const cases = ENGINE_KINDS.flatMap((kind) => [
    { kind, options: {}, checks: kind === 'tdb-pernode' || kind === 'trie-replay' },
    { kind, options: { checkWatchPermissions: true }, checks: true },
  ]);
  for (const { kind, options, checks } of cases) {
    it(`${kind}${options.checkWatchPermissions ? ' with checkWatchPermissions' : ''}: dom6 ${checks ? 'hears nothing' : 'hears (as the 2009 daemons sent it)'} of dom5's node (perms n5); dom5 and dom0 do`, () => {
      const { daemon, dom0, dom5, dom6 } = setup(kind, options);
      // dom6 watches the whole tree and dom5's node; the initial events come anyway.
      assert.deepEqual(events(dom6.req(XsType.WATCH, s('/', 'root'))), ['/|root']);
      assert.deepEqual(events(dom6.req(XsType.WATCH, s('/local/domain/5/x', 'peek'))), ['/local/domain/5/x|peek']);
      assert.deepEqual(events(dom5.req(XsType.WATCH, s('/local/domain/5', 'mine'))), ['/local/domain/5|mine']);
      assert.deepEqual(events(dom0.req(XsType.WATCH, s('/local/domain/5', 'tool'))), ['/local/domain/5|tool']);
      dom6.take();
      dom5.take();
      dom0.take();
      assert.equal(dom5.write('/local/domain/5/x/secret', 'v'), 'OK\0');
      assert.deepEqual(events(dom6.take()), checks ? [] : ['/local/domain/5/x/secret|root', '/local/domain/5/x/secret|peek']);
      assert.deepEqual(events(dom0.take()), ['/local/domain/5/x/secret|tool']);
      assert.equal(dom0.write('/local/domain/6/x/mine', 'v'), 'OK\0');
      // dom6 owns /local/domain/6/x: its root watch fires there.
      assert.deepEqual(events(dom6.take()), ['/local/domain/6/x/mine|root']);
      const st = daemon.stats();
      assert.equal(st.watchEventsFiltered, checks ? 2 : 0); // dom6's two watches on dom5's write
      daemon.close();
    });
  }

  it('a node readable through its parent only, and a removal, are reported by the permissions they had', () => {
    const { daemon, dom0, dom6 } = setup();
    assert.equal(dom0.write('/pub/n', 'v'), 'OK\0');
    assert.equal(dom0.call(XsType.SET_PERMS, s('/pub', 'r0')), 'OK\0'); // everyone may read /pub
    assert.equal(dom0.call(XsType.SET_PERMS, s('/pub/n', 'n0')), 'OK\0'); // nobody may read /pub/n
    dom6.req(XsType.WATCH, s('/pub', 'p'));
    dom6.take();
    // /pub/n is unreadable but its parent /pub is readable: cxenstored sends the event.
    assert.equal(dom0.write('/pub/n', 'w'), 'OK\0');
    assert.deepEqual(events(dom6.take()), ['/pub/n|p']);
    // A node below an unreadable node whose parent is unreadable too: nothing.
    assert.equal(dom0.write('/pub/n/deep', 'x'), 'OK\0');
    assert.deepEqual(events(dom6.take()), []);
    // Permissions taken away: dom6 could read the node before, so it hears of it.
    assert.equal(dom0.call(XsType.SET_PERMS, s('/pub/open', 'r0')).startsWith('ERR'), true); // no such node yet
    assert.equal(dom0.write('/pub/open', ''), 'OK\0');
    assert.deepEqual(events(dom6.take()), ['/pub/open|p']);
    assert.equal(dom0.call(XsType.SET_PERMS, s('/pub', 'n0')), 'OK\0');
    assert.deepEqual(events(dom6.take()), ['/pub|p']); // it could read /pub before
    assert.equal(dom0.write('/pub/later', ''), 'OK\0');
    assert.deepEqual(events(dom6.take()), []); // and nothing after
    // A removal: judged by the permissions the removed node had.
    assert.equal(dom0.write('/gone/a', ''), 'OK\0');
    assert.equal(dom0.call(XsType.SET_PERMS, s('/gone', 'n0')), 'OK\0');
    assert.equal(dom0.call(XsType.SET_PERMS, s('/gone/a', 'r6')), 'OK\0'); // owned by dom6: dom6 reads it
    dom6.req(XsType.WATCH, s('/gone/a', 'a'));
    dom6.take();
    assert.equal(dom0.call(XsType.RM, s('/gone')), 'OK\0');
    assert.deepEqual(events(dom6.take()), ['/gone/a|a']);
    daemon.close();
  });

  it('a transaction\'s changes and removals are filtered the same way at commit', () => {
    const { daemon, dom0, dom6 } = setup();
    assert.equal(dom0.write('/t/open/k', ''), 'OK\0');
    assert.equal(dom0.write('/t/shut/k', ''), 'OK\0');
    assert.equal(dom0.call(XsType.SET_PERMS, s('/t', 'n0')), 'OK\0');
    assert.equal(dom0.call(XsType.SET_PERMS, s('/t/open', 'r0')), 'OK\0');
    assert.equal(dom0.call(XsType.SET_PERMS, s('/t/open/k', 'r0')), 'OK\0');
    assert.equal(dom0.call(XsType.SET_PERMS, s('/t/shut', 'n0')), 'OK\0');
    assert.equal(dom0.call(XsType.SET_PERMS, s('/t/shut/k', 'n0')), 'OK\0');
    dom6.req(XsType.WATCH, s('/t', 't'));
    dom6.req(XsType.WATCH, s('/t/open/k', 'k'));
    dom6.take();
    const tx = dom0.txStart();
    assert.equal(dom0.write('/t/open/k', '1', tx), 'OK\0');
    assert.equal(dom0.write('/t/shut/k', '1', tx), 'OK\0');
    assert.equal(dom0.call(XsType.TRANSACTION_END, s('T'), tx), 'OK\0');
    assert.deepEqual(events(dom6.take()), ['/t/open/k|t', '/t/open/k|k']);
    const tx2 = dom0.txStart();
    assert.equal(dom0.call(XsType.RM, s('/t/open'), tx2), 'OK\0');
    assert.equal(dom0.call(XsType.TRANSACTION_END, s('T'), tx2), 'OK\0');
    // /t/open was readable before its removal (r0), and so was the watched /t/open/k.
    assert.deepEqual(events(dom6.take()), ['/t/open|t', '/t/open/k|k']);
    daemon.close();
  });

  it('@introduceDomain and @releaseDomain fire for dom0 only (2009 models: for everyone)', () => {
    {
      const { daemon, dom0, dom5 } = setup('trie');
      dom5.req(XsType.WATCH, s('@releaseDomain', 'r'));
      assert.deepEqual(events(dom0.req(XsType.RELEASE, s('6'))), []);
      assert.deepEqual(events(dom5.take()), ['@releaseDomain|r']);
      daemon.close();
    }
    const { daemon, dom0, dom5 } = setup();
    // The initial event is always sent.
    assert.deepEqual(events(dom5.req(XsType.WATCH, s('@releaseDomain', 'r'))), ['@releaseDomain|r']);
    assert.deepEqual(events(dom0.req(XsType.WATCH, s('@releaseDomain', 'r'))), ['@releaseDomain|r']);
    assert.deepEqual(events(dom0.req(XsType.RELEASE, s('6'))), ['@releaseDomain|r']);
    assert.deepEqual(events(dom5.take()), []);
    daemon.close();
  });
});
