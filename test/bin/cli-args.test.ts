import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSocketTarget, parseGrid, parseGuestList, parseTarget } from '../../bin/cli-args.ts';
import { UserError } from '../../bin/user-error.ts';
import { runCli } from './cli.ts';
import { runKey } from '../../runner/result.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';

test('guest lists: items, ranges, steps, geometric ranges', () => {
  assert.deepEqual(parseGuestList('1,2,4,8'), [1, 2, 4, 8]);
  assert.deepEqual(parseGuestList('1-64*2'), [1, 2, 4, 8, 16, 32, 64]);
  assert.deepEqual(parseGuestList('10-40:10,5'), [5, 10, 20, 30, 40]);
  assert.deepEqual(parseGuestList('3-5'), [3, 4, 5]);
  assert.throws(() => parseGuestList('0'), /bad guest range/);
  assert.throws(() => parseGuestList('4-2'), /bad guest range/);
  assert.throws(() => parseGuestList('x'), /bad guest count "x"/);
  assert.throws(() => parseGuestList('1-8*1'), /bad step/);
});

test('parameter grids are cartesian products', () => {
  assert.deepEqual(parseGrid([]), [{}]);
  assert.deepEqual(parseGrid(['a=1,2', 'b=x,y']), [{ a: '1', b: 'x' }, { a: '1', b: 'y' }, { a: '2', b: 'x' }, { a: '2', b: 'y' }]);
  assert.throws(() => parseGrid(['a=1', 'a=2']), /set twice/);
  assert.throws(() => parseGrid(['a']), /expected key=value/);
});

test('targets: engines and sockets with labels', () => {
  assert.deepEqual(parseTarget('tdb'), { kind: 'engine', engine: 'tdb' });
  assert.deepEqual(parseTarget('socket:/tmp/xs-ox/socket=oxenstored'), { kind: 'socket', path: '/tmp/xs-ox/socket', label: 'oxenstored' });
  assert.deepEqual(parseTarget('socket:/tmp/xs-ox/socket'), { kind: 'socket', path: '/tmp/xs-ox/socket', label: 'xs-ox' });
  assert.throws(() => parseTarget('nope'), /unknown engine or target "nope"/);
  assert.throws(() => parseTarget('socket:'), /expected socket:<path>/);
  // Input mistakes are the CLI's one UserError (exit 2), not RangeErrors wrapped twice.
  assert.throws(() => parseTarget('nope'), UserError);
  assert.throws(() => parseGuestList('x'), UserError);
  assert.throws(() => parseGrid(['a']), UserError);
});

test('socket targets are checked before the run: missing, not a socket, nothing listening, listening', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-sock-'));
  try {
    const target = (path: string) => ({ kind: 'socket' as const, path, label: 'x' });
    await assert.rejects(checkSocketTarget(target(join(dir, 'none'))), (e: unknown) => e instanceof UserError && /no such socket/.test(e.message));
    writeFileSync(join(dir, 'file'), '');
    await assert.rejects(checkSocketTarget(target(join(dir, 'file'))), (e: unknown) => e instanceof UserError && /not a Unix socket/.test(e.message));
    const server = createServer((c) => c.destroy());
    const path = join(dir, 'socket');
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await checkSocketTarget(target(path));
    // A socket file with nothing behind it (the daemon died): refused, not an internal error mid-run.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const stale = join(dir, 'stale');
    const child = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.exit(0))`]);
    assert.equal(child.status, 0);
    await assert.rejects(checkSocketTarget(target(stale)), (e: unknown) => e instanceof UserError && /nothing listens on it/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run keys name the grid cell, with the parameters that differ from the defaults', () => {
  const scenario = getScenario('short-txn');
  const params = validateParams(scenario, { sharedFraction: '0.2' });
  const key = runKey({ scenario: 'short-txn', params, guests: 8, seed: 1, durationS: 5, rep: 2, target: { kind: 'socket', path: '/x/socket', label: 'oxenstored' } }, scenario, 'real');
  assert.equal(key, 'short-txn/socket:oxenstored/real/g8/sharedFraction=0.2/r2');
});

test('xstorm run: bad flags exit 2 with one line', () => {
  const cli = new URL('../../bin/xstorm.js', import.meta.url).pathname;
  for (const args of [
    ['run', '--scenario', 'nope'],
    ['run', '--scenario', 'short-txn', '--guests', '0'],
    ['run', '--scenario', 'short-txn', '--set', 'bogus=1', '--set', 'sharedFraction=2'],
    ['run', '--scenario', 'short-txn', '--engine', 'foo'],
    ['run', '--scenario', 'short-txn', '--profile', 'xen-2009'],
    ['sweep', '--scenario', 'short-txn', '--guests', '1-x'],
  ]) {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^xstorm: [^\n]+\n/);
  }
  const both = spawnSync(process.execPath, [cli, 'run', '--scenario', 'short-txn', '--set', 'bogus=1', '--set', 'sharedFraction=2'], { encoding: 'utf8' });
  assert.match(both.stderr, /sharedFraction: .*unknown parameter bogus/);
});

test('xstorm: every input mistake is one line with its reason, exit 2, never an internal error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xstorm-args-'));
  try {
    writeFileSync(join(dir, 'garbage.json'), 'not json at all');
    writeFileSync(join(dir, 'wrong.json'), '{"profileVersion": 1, "name": "Bad Name"}');
    const cases: Array<{ args: string[]; message: RegExp }> = [
      // yargs' "Invalid values:" used to be cut at its first line: the bad value and the choices were lost.
      { args: ['run', '--scenario', 'short-txn', '--driver', 'warp'], message: /Invalid values: Argument: driver, Given: "warp", Choices: "real", "sim"/ },
      { args: ['calibrate', '--engine', 'nosuch'], message: /Given: "nosuch", Choices: "tdb", "trie", "tdb-pernode", "trie-replay"/ },
      // A bad profile says why ("invalid cost profile nosuch:" and nothing else, before).
      { args: ['run', '--scenario', 'short-txn', '--driver', 'sim', '--profile', 'nosuch'], message: /--profile nosuch: no such profile; built-in: xen-2009/ },
      { args: ['run', '--scenario', 'short-txn', '--driver', 'sim', '--profile', join(dir, 'garbage.json')], message: /garbage\.json: not JSON: / },
      { args: ['run', '--scenario', 'short-txn', '--driver', 'sim', '--profile', join(dir, 'wrong.json')], message: /wrong\.json: .*name: lower-case letters/ },
      // A socket that is not there: one line (it was "internal error" and a 7-frame stack, exit 1).
      { args: ['run', '--scenario', 'short-txn', '--target', 'socket:/nonexistent/socket'], message: /--target socket:\/nonexistent\/socket: no such socket/ },
      // --engine was silently ignored beside --target.
      { args: ['run', '--scenario', 'short-txn', '--target', 'socket:/tmp/xs/socket', '--engine', 'tdb'], message: /target and engine are mutually exclusive/ },
      { args: ['sweep', '--scenario', 'short-txn', '--guests', '1', '--shard', '5/2'], message: /--shard: shard index must be between 1 and 2, got 5/ },
      // A store directory tdb cannot create: one line (it was "internal error" with the engine's stack).
      { args: ['serve', '--engine', 'tdb', '--dir', '/proc/no/such', '--socket', join(dir, 'serve.sock')], message: /--dir \/proc\/no\/such: EINVAL: tdb: cannot create store dir/ },
    ];
    const outcomes = await Promise.all(cases.map((c) => runCli(c.args, { timeoutMs: 30000 })));
    for (const [i, outcome] of outcomes.entries()) {
      const { args, message } = cases[i]!;
      assert.equal(outcome.status, 2, `${args.join(' ')}: ${outcome.stderr}`);
      assert.match(outcome.stderr, /^xstorm: [^\n]+\n/, args.join(' '));
      assert.match(outcome.stderr.split('\n')[0]!, message, args.join(' '));
      assert.doesNotMatch(outcome.stderr, /internal error|\n\s+at /, args.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
