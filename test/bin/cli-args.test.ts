import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseGrid, parseGuestList, parseTarget } from '../../bin/cli-args.ts';
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
