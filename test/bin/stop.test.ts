/**
 * Ctrl-C (SIGINT) and SIGTERM during `run` and `sweep`: the first signal
 * stops the work and writes what was measured, marked partial, and removes
 * the engine's scratch files; a second signal exits at once. The CLI is
 * spawned: signals, exit codes and leftover files are what is checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResultsFile } from '../../reports/io.ts';
import { startCli, waitUntil } from './cli.ts';

/** Every file name under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

/** A tdb transaction's copy of the store exists only while guests run transactions: the run is measuring. */
const measuring = (scratch: string) => () => filesUnder(scratch).some((name) => name.startsWith('tdb.tx'));

const readResults = (dir: string) => parseResultsFile(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')), dir);

test('run --engine tdb --duration 30, then Ctrl-C: partial results written, scratch files removed, exit 130', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-sigint-'));
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  const out = join(dir, 'out');
  try {
    const cli = startCli(['run', '--scenario', 'short-txn', '--engine', 'tdb', '--guests', '2', '--duration', '30', '--workers', '1', '--out', out], {
      env: { XSTORM_ENGINE_DIR: scratch }, timeoutMs: 60000,
    });
    await waitUntil(measuring(scratch), 'the guests to run transactions');
    await new Promise((resolve) => setTimeout(resolve, 300));
    cli.child.kill('SIGINT');
    const outcome = await cli.done;
    assert.equal(outcome.status, 130, outcome.stderr);
    assert.match(outcome.stderr, /xstorm: SIGINT: stopping the run; what it measured will be written, marked partial \(Ctrl-C again exits at once\)/);
    assert.ok(outcome.ms < 25000, `stopped within seconds, not after the 30 s run (${outcome.ms} ms)`);
    const file = readResults(out);
    assert.equal(file.status, 'partial');
    assert.equal(file.runs.length, 1);
    assert.equal(file.runs[0]!.status, 'partial');
    assert.ok(file.runs[0]!.durationS > 0 && file.runs[0]!.durationS < 25, `measured ${file.runs[0]!.durationS} s`);
    assert.ok(file.runs[0]!.commits > 0);
    assert.match(outcome.stdout, /^partial: stopped by SIGINT after \d+\.\d of 30 s$/m);
    assert.deepEqual(filesUnder(scratch), [], 'no tdb file left in the scratch directory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second Ctrl-C exits at once, and still removes the scratch files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-sigint2-'));
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  try {
    const cli = startCli(['run', '--scenario', 'short-txn', '--engine', 'tdb', '--guests', '2', '--duration', '30', '--workers', '1', '--out', join(dir, 'out')], {
      env: { XSTORM_ENGINE_DIR: scratch }, timeoutMs: 60000,
    });
    await waitUntil(measuring(scratch), 'the guests to run transactions');
    cli.child.kill('SIGINT');
    await waitUntil(() => /SIGINT: stopping/.test(cli.stderr()), 'the first signal to be heard', 10000);
    const second = Date.now();
    cli.child.kill('SIGINT');
    const outcome = await cli.done;
    assert.equal(outcome.status, 130);
    assert.match(outcome.stderr, /xstorm: SIGINT again: exiting now/);
    assert.ok(Date.now() - second < 5000, 'exits at once');
    assert.deepEqual(filesUnder(scratch), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sweep killed midway: its checkpoint and its final file are partial, the stopped run too, and no ratio from the half grid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-sweep-stop-'));
  const out = join(dir, 'out');
  mkdirSync(join(dir, 'scratch'));
  try {
    const cli = startCli(['sweep', '--scenario', 'short-txn', '--engines', 'tdb,trie', '--guests', '1,2', '--duration', '1', '--workers', '1', '--out', out], {
      env: { XSTORM_ENGINE_DIR: join(dir, 'scratch') }, timeoutMs: 90000,
    });
    // The checkpoint after the first run: what a sweep killed with SIGKILL at this point leaves.
    await waitUntil(() => existsSync(join(out, 'results.json')), 'the first checkpoint', 60000);
    const checkpoint = readResults(out);
    cli.child.kill('SIGTERM');
    const outcome = await cli.done;
    assert.equal(checkpoint.status, 'partial');
    assert.equal(checkpoint.runs.length, 1);
    assert.equal(checkpoint.headline?.ratio, null);
    assert.match(String(checkpoint.headline?.['caveat']), /^partial results \(1 of 4 planned runs, or a run stopped early\): .*no ratio from a partial grid$/);

    assert.equal(outcome.status, 143, outcome.stderr);
    const file = readResults(out);
    assert.equal(file.status, 'partial');
    assert.ok(file.runs.length >= 1 && file.runs.length < 4, `${file.runs.length} runs`);
    if (file.runs.length > 1) assert.equal(file.runs.at(-1)!.status, 'partial', 'the run the signal cut is marked');
    assert.equal(file.runs[0]!.status, undefined, 'a run that finished is complete');
    assert.equal(file.headline?.ratio, null);
    assert.match(outcome.stdout, /no trie\/tdb ratio — partial results/);
    assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /- caveat: partial results/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
