/**
 * `xstorm serve` as a process: usage errors, clean shutdown on SIGTERM and
 * SIGINT (socket removed, a tdb store consistent and reopened with its data).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isXsError } from '../../engines/common/errors.ts';
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

  it('answers ENOSPC at its transaction cap instead of running out of descriptors at ulimit -n (tdb)', async () => {
    const dir = shortTempDir('fd');
    const socket = join(dir, 'socket');
    // Half of 128 descriptors may hold transactions; before the cap the
    // daemon opened copies until EMFILE and answered EIO, and new
    // connections failed.
    const child = spawn('bash', ['-c', `ulimit -n 128 && exec "${process.execPath}" "${XSTORM_BIN}" serve --engine tdb --socket "${socket}" --quiet`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 100));
      const c = new XsClient(await connectUnixSocket(socket));
      let opened = 0;
      let refusal = '';
      for (let i = 0; i < 200; i++) {
        try {
          await c.transactionStart();
          opened++;
        } catch (e) {
          refusal = isXsError(e) ? e.code : String(e);
          break;
        }
      }
      assert.equal(refusal, 'ENOSPC');
      assert.equal(opened, 64);
      // The daemon still works: a new connection, a read, a write.
      const d = new XsClient(await connectUnixSocket(socket));
      await d.write('/fd/k', 'v');
      assert.equal(await d.read('/fd/k'), 'v');
      c.close();
      d.close();
      assert.doesNotMatch(err, /internal error/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
