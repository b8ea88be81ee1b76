/** The command a results file shows is the one the user typed, not the launcher's path in npx's cache. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayCommand, userCommand } from '../../reports/index.ts';

const NPX = '/root/.npm/_npx/0f1e2d3c/node_modules/xstorm/bin/xstorm.js';

test('userCommand: npm run with its extra arguments, else npx xstorm', () => {
  const npm = { npm_lifecycle_event: 'bench:ci', npm_lifecycle_script: 'node bin/xstorm.js bench --ci' };
  assert.deepEqual(userCommand(['/work/x/bin/xstorm.js', 'bench', '--ci'], npm), ['npm', 'run', 'bench:ci']);
  assert.deepEqual(userCommand(['/work/x/bin/xstorm.js', 'bench', '--ci', '--out', '/tmp/r'], npm), ['npm', 'run', 'bench:ci', '--', '--out', '/tmp/r']);
  assert.deepEqual(userCommand([NPX, 'sweep', '--guests', '1-64*2'], {}), ['npx', 'xstorm', 'sweep', '--guests', '1-64*2']);
  // Under `npm test` (another script), a spawned xstorm is shown as npx xstorm.
  assert.deepEqual(userCommand(['/work/x/bin/xstorm.js', 'run'], { npm_lifecycle_event: 'test', npm_lifecycle_script: 'node --import tsx --test test/a.test.ts' }), ['npx', 'xstorm', 'run']);
  assert.deepEqual(userCommand(['/usr/bin/other', 'x'], {}), ['/usr/bin/other', 'x']);
  assert.deepEqual(userCommand(['xstorm', 'sweep'], {}), ['xstorm', 'sweep'], 'a command given as typed stays');
});

test('displayCommand: launcher paths of older files read as npx xstorm; arguments quoted for a shell', () => {
  assert.equal(displayCommand([NPX, 'bench', '--out', '/tmp/my results']), "npx xstorm bench --out '/tmp/my results'");
  assert.equal(displayCommand(['npm', 'run', 'bench']), 'npm run bench');
  assert.equal(displayCommand(['npx', 'xstorm', 'run', '--set', "label=it's"]), "npx xstorm run --set 'label=it'\\''s'");
});
