/**
 * The real ../shared/realxs/conflict_probe.py run against `xstorm serve
 * --engine tdb-pernode|trie-replay` must print exactly what the real Xen 4.17
 * cxenstored / oxenstored print (RESULTS.md). Needs python3 and the realxs
 * scripts folder, not the real daemons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectUnixSocket } from '../../protocol/socket.ts';
import { REALXS_TOOLS } from '../helpers/realxs.ts';
import { REAL_PROBE_OUTPUT } from './modern-probe-scenarios.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROBE = join(REALXS_TOOLS, 'conflict_probe.py');

function skipReason(): string | undefined {
  if (!existsSync(PROBE)) return `conflict_probe.py not found at ${PROBE}`;
  if (spawnSync('python3', ['--version']).status !== 0) return 'python3 not available';
  return undefined;
}

async function probeServe(engine: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'xs-probe-'));
  const socket = join(dir, 'socket');
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'xstorm.js'), 'serve', '--engine', engine, '--socket', socket, '--quiet'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`xstorm serve exited with ${child.exitCode}`);
      try {
        (await connectUnixSocket(socket)).close();
        break;
      } catch (e) {
        if (i > 150) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const { stdout } = await promisify(execFile)('python3', [PROBE, socket], { timeout: 60_000 });
    return stdout.trimEnd().split('\n');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip = skipReason();
if (skip) console.log(`# modern-probe-serve: skipped: ${skip}`);

test('conflict_probe.py against xstorm serve --engine tdb-pernode prints what the real cxenstored prints', { skip: skip ?? false, timeout: 90_000 }, async () => {
  assert.deepEqual(await probeServe('tdb-pernode'), REAL_PROBE_OUTPUT.cxenstored);
});

test('conflict_probe.py against xstorm serve --engine trie-replay prints what the real oxenstored prints', { skip: skip ?? false, timeout: 90_000 }, async () => {
  assert.deepEqual(await probeServe('trie-replay'), REAL_PROBE_OUTPUT.oxenstored);
});
