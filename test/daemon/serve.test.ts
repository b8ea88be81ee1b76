/**
 * `xstorm serve` as a process: usage errors, clean shutdown on SIGTERM and
 * SIGINT (socket removed, a tdb store consistent and reopened with its data).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { verifyTdbStore } from '../../engines/tdb/check.ts';
import { XsClient } from '../../protocol/client.ts';
import { connectUnixSocket } from '../../protocol/socket.ts';
import { XSTORM_BIN, shortTempDir, startXstormServe } from './servers.ts';

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [XSTORM_BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('xstorm serve', () => {
  it('prints help and rejects bad flags with exit 2', () => {
    const help = cli(['serve', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--engine/);
    assert.match(help.stdout, /--socket/);
    assert.match(help.stdout, /XENSTORED_PATH/);
    const bad = cli(['serve', '--engine', 'nosuch', '--socket', '/tmp/x']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown engine "nosuch"/);
  });

  it('shuts down cleanly on SIGTERM; a tdb store stays consistent and reopens', async () => {
    const store = mkdtempSync('/tmp/xsd-store-');
    try {
      let d = await startXstormServe('tdb', undefined, ['--dir', store]);
      let c = new XsClient(await connectUnixSocket(d.socket));
      await c.write('/kept/a', 'one');
      await c.transaction(async (tx) => tx.write('/kept/b', 'two'));
      c.close();
      const socket = d.socket;
      const dir = d.dir;
      d.child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => d.child.once('exit', (c2) => r(c2)));
      assert.equal(code, 0);
      assert.equal(existsSync(socket), false);
      const log = await d.stop();
      assert.match(log, /SIGTERM: shutting down/);
      rmSync(dir, { recursive: true, force: true });
      const snap = verifyTdbStore(store);
      assert.equal(snap.get('/kept/a')?.value, 'one');
      assert.equal(snap.get('/kept/b')?.value, 'two');
      // restart on the same store
      d = await startXstormServe('tdb', shortTempDir('re'), ['--dir', store]);
      c = new XsClient(await connectUnixSocket(d.socket));
      assert.equal(await c.read('/kept/b'), 'two');
      c.close();
      d.child.kill('SIGINT');
      assert.equal(await new Promise<number | null>((r) => d.child.once('exit', (c2) => r(c2))), 0);
      await d.stop();
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });
});
