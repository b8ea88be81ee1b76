/**
 * The real ../shared/realxs/conflict_probe.py run against `xstorm serve
 * --engine tdb-pernode|trie-replay` must print exactly what the real Xen 4.17
 * cxenstored / oxenstored print (RESULTS.md). Needs python3 and the realxs
 * scripts folder, not the real daemons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startXstormServe } from '../daemon/servers.ts';
import { REALXS_TOOLS } from '../helpers/realxs.ts';
import { REAL_PROBE_OUTPUT } from './modern-probe-scenarios.ts';

const PROBE = join(REALXS_TOOLS, 'conflict_probe.py');

function skipReason(): string | undefined {
  if (!existsSync(PROBE)) return `conflict_probe.py not found at ${PROBE}`;
  if (spawnSync('python3', ['--version']).status !== 0) return 'python3 not available';
  return undefined;
}

async function probeServe(engine: string): Promise<string[]> {
  const serve = await startXstormServe(engine, mkdtempSync(join(tmpdir(), 'xs-probe-')), ['--quiet']);
  try {
    const { stdout } = await promisify(execFile)('python3', [PROBE, serve.socket], { timeout: 60_000 });
    return stdout.trimEnd().split('\n');
  } finally {
    await serve.stop();
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
