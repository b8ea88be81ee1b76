/**
 * `--out` is checked before any work: procfs and unwritable places, a path
 * naming a file, and a directory that already holds results are refused at
 * once with exit 2; nothing is lost silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutDir, checkOutFile, freshResultsDir } from '../../bin/out-dir.ts';
import { UserError } from '../../bin/user-error.ts';
import { runCli } from './cli.ts';

const refused = (pattern: RegExp) => (e: unknown) => e instanceof UserError && pattern.test(e.message);

test('checkOutDir: procfs, files, existing results, and what is fine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-out-'));
  try {
    assert.throws(() => checkOutDir('/proc/x'), refused(/^--out \/proc\/x: cannot write results under \/proc \(ENOENT\)$/));
    assert.throws(() => checkOutDir('/proc/x/y/z'), refused(/cannot write results under \/proc /));
    writeFileSync(join(dir, 'file'), 'x');
    assert.throws(() => checkOutDir(join(dir, 'file')), refused(/: is a file, not a directory$/));
    assert.throws(() => checkOutDir(join(dir, 'file', 'sub')), refused(/file is a file, not a directory$/));
    const results = join(dir, 'results');
    mkdirSync(results);
    writeFileSync(join(results, 'results.json'), '{}');
    assert.throws(() => checkOutDir(results), refused(/already holds results \(results\.json\); give a new directory, or add --force to replace them/));
    assert.equal(checkOutDir(results, { force: true }), results);
    assert.equal(checkOutDir(results, { mayRewrite: [results] }), results);
    assert.equal(checkOutDir(join(dir, 'new', 'nested')), join(dir, 'new', 'nested'));
    assert.equal(checkOutDir(dir), dir, 'an existing directory without results is fine');
    assert.deepEqual(readdirSync(dir).sort(), ['file', 'results'], 'the checks leave nothing behind');
    assert.throws(() => checkOutFile(results), refused(/is a directory, not a file/));
    assert.throws(() => checkOutFile('/proc/x.json'), refused(/cannot write results under \/proc/));
    assert.equal(checkOutFile(join(dir, 'a', 'p.json')), join(dir, 'a', 'p.json'));
    assert.equal(freshResultsDir('id', dir), join(dir, 'id'));
    mkdirSync(join(dir, 'id'));
    assert.equal(freshResultsDir('id', dir), join(dir, 'id-2'), 'a second run of the same second gets its own directory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('xstorm run/report/bench: a bad --out is refused at once, exit 2, before any work', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-out-cli-'));
  try {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'mine');
    const results = join(dir, 'results-dir');
    mkdirSync(results);
    const sweepJson = '{"a 14-run sweep": true}';
    writeFileSync(join(results, 'results.json'), sweepJson);
    // `run` on the real driver for 30 s: a check after the run would take that long (and it used to hang forever on /proc).
    const run = ['run', '--scenario', 'short-txn', '--engine', 'trie', '--guests', '1', '--duration', '30'];
    const cases: Array<{ args: string[]; message: RegExp }> = [
      { args: [...run, '--out', '/proc/x'], message: /^xstorm: --out \/proc\/x: cannot write results under \/proc \(ENOENT\)$/ },
      { args: ['report', results, '--out', '/proc/x'], message: /^xstorm: --out \/proc\/x: cannot write results under \/proc/ },
      { args: [...run, '--out', file], message: /a-file: is a file, not a directory$/ },
      { args: ['bench', '--ci', '--out', file], message: /a-file: is a file, not a directory$/ },
      { args: ['report', results, '--out', file], message: /a-file: is a file, not a directory$/ },
      { args: [...run, '--out', results], message: /already holds results \(results\.json\); give a new directory, or add --force/ },
    ];
    const outcomes = await Promise.all(cases.map((c) => runCli(c.args, { timeoutMs: 25000 })));
    for (const [i, outcome] of outcomes.entries()) {
      const { args, message } = cases[i]!;
      assert.equal(outcome.timedOut, false, `${args.join(' ')} hung`);
      assert.equal(outcome.status, 2, `${args.join(' ')}: ${outcome.stderr}`);
      assert.match(outcome.stderr.split('\n')[0]!, message, args.join(' '));
      assert.doesNotMatch(outcome.stderr, /xstorm (run|bench): \d+%/, `${args.join(' ')}: refused before any work`);
    }
    assert.equal(readFileSync(file, 'utf8'), 'mine');
    assert.equal(readFileSync(join(results, 'results.json'), 'utf8'), sweepJson, 'the earlier results are untouched');

    // --force replaces them, on purpose.
    const forced = await runCli(['run', '--scenario', 'short-txn', '--driver', 'sim', '--guests', '1', '--duration', '0.2', '--out', results, '--force'], { timeoutMs: 30000 });
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(readFileSync(join(results, 'results.json'), 'utf8'), /"kind": "run"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
