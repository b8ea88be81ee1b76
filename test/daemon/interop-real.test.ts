/**
 * Real Xen tools against `xstorm serve`, on every engine: Debian's
 * xenstore-write/-read/-ls/-list/-rm/-exists/-chmod/-watch (realxs
 * roundtrip.sh plus chmod and watch), Xen's test-xenstore (all its tests),
 * and realxs's xsload (own and shared keys) with its lost-update check.
 * Skips with the reason when ../shared/realxs is not set up.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ENGINE_KINDS } from '../../engines/index.ts';
import { REALXS_TOOLS, REALXS_XSLOAD, realxsSkipReason } from '../helpers/realxs.ts';
import { REALXS_CLIBIN, REALXS_LIBDIR, realClient, startXstormServe } from './servers.ts';

const skip = realxsSkipReason();
if (skip) console.log(`# skipping interop with real Xen tools: ${skip}`);

/** The tests test-xenstore 4.17 runs (its table), each printed as one line. */
const TEST_XENSTORE_TESTS = ['read 1', 'read 2000', 'write 1', 'write 2000', 'dir', 'rm node', 'rm dir', 'ta empty', 'ta empty x', 'ta rmw', 'ta rmw x', 'ta err'];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 30_000, encoding: 'utf8' }, (error, stdout) =>
      res({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout }),
    );
  });
}

/** Starts xenstore-watch -n <n> on `path`, resolves after its initial event; `done` has all lines. */
async function startWatch(dir: string, path: string, n: number): Promise<{ done: Promise<string[]> }> {
  const child = spawn(join(REALXS_CLIBIN, 'xenstore-watch'), ['-n', String(n), path], {
    env: { ...process.env, LD_LIBRARY_PATH: REALXS_LIBDIR, XENSTORED_PATH: join(dir, 'socket') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const timer = setTimeout(() => child.kill(), 15_000);
  // 'close', not 'exit': the last lines can still be in the pipe when the process exits.
  const done = new Promise<string[]>((res) =>
    child.once('close', () => {
      clearTimeout(timer);
      res(out.split('\n').filter(Boolean));
    }),
  );
  await new Promise<void>((res) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) res();
    });
    child.once('exit', () => res());
  });
  return { done };
}

describe('real Xen tools against xstorm serve', { skip }, () => {
  for (const engine of ENGINE_KINDS) {
    it(`engine ${engine}: xenstore-* tools, test-xenstore, xsload`, async () => {
      const d = await startXstormServe(engine, undefined, ['--quiet']);
      try {
        // Debian's client tools (realxs roundtrip.sh: 13 checks)
        const rt = await run(join(REALXS_TOOLS, 'roundtrip.sh'), [d.dir]);
        assert.match(rt.stdout, /13 passed, 0 failed/, rt.stdout);
        assert.equal(rt.code, 0);

        assert.equal((await realClient(d.dir, 'xenstore-write', ['/perm/x', 'v'])).code, 0);
        assert.equal((await realClient(d.dir, 'xenstore-chmod', ['/perm/x', 'n0', 'r5'])).code, 0);
        assert.equal((await realClient(d.dir, 'xenstore-ls', ['-p', '/perm'])).stdout.trim().replace(/ +\. .*\./, ''), 'x = "v"  (n0,r5)');
        assert.equal((await realClient(d.dir, 'xenstore-exists', ['/perm/x'])).code, 0);
        assert.notEqual((await realClient(d.dir, 'xenstore-exists', ['/perm/none'])).code, 0);
        assert.equal((await realClient(d.dir, 'xenstore-ls', ['/tool'])).stdout, 'xenstored = ""\n');

        const watch = await startWatch(d.dir, '/wt', 3);
        assert.equal((await realClient(d.dir, 'xenstore-write', ['/wt/a', '1'])).code, 0);
        assert.equal((await realClient(d.dir, 'xenstore-rm', ['/wt'])).code, 0);
        assert.deepEqual(await watch.done, ['/wt', '/wt/a', '/wt']);

        // Xen's test-xenstore: every test of its table
        const tx = await realClient(d.dir, 'test-xenstore', ['-i', '10'], 60_000);
        assert.equal(tx.code, 0, tx.stdout + tx.stderr);
        const ran = tx.stdout.split('\n').filter(Boolean).map((l) => l.split(':')[0]!.trim());
        assert.deepEqual(ran, TEST_XENSTORE_TESTS, tx.stdout);

        // xsload: own and shared keys, lost-update check
        for (const mode of ['own', 'shared']) {
          const r = await run(REALXS_XSLOAD, ['-s', d.socket, '-k', '8', '-t', '1', '-m', mode]);
          assert.equal(r.code, 0, r.stdout);
          const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | boolean>;
          assert.equal(j['verify_ok'], true, r.stdout);
          assert.equal(j['other_errors'], 0, r.stdout);
          assert.ok((j['commits'] as number) > 0, r.stdout);
        }
      } finally {
        const log = await d.stop();
        assert.doesNotMatch(log, /internal error/);
      }
    });
  }
});
