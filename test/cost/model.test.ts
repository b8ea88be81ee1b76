import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { CostModel, CostProfileError, builtinProfileNames, loadProfile, parseProfile, writeProfileFile } from '../../runner/cost/index.ts';
import type { CostProfile } from '../../runner/cost/index.ts';

function profile(): CostProfile {
  return parseProfile({
    profileVersion: 1,
    name: 'unit',
    description: 'test profile',
    machine: { os: 'test', cpu: 'test', cpuCount: 1, node: null },
    sources: [{ id: 's', citation: 'c', fact: 'f' }],
    transport: { latencyUs: 10, perByteUs: 0.5 },
    daemon: { perByteUs: 0.25 },
    engines: {
      tdb: { requestBaseUs: 100, counters: { bytesCopied: 0.01, renames: 20, fileCopies: 30, reads: 0 } },
      trie: { requestBaseUs: 50, counters: { nodesAllocated: 2 } },
    },
  });
}

test('service time = base + Σ price × counter increase + daemon per-byte cost', () => {
  const model = new CostModel(profile(), 'tdb');
  const before = { bytesCopied: 1000, renames: 3, fileCopies: 2, reads: 9, unpriced: 1 };
  const after = { bytesCopied: 41000, renames: 4, fileCopies: 3, reads: 10, unpriced: 99 };
  // 100 + 0.01×40000 + 20×1 + 30×1 + 0.25×(16+24)
  assert.equal(model.serviceUs(before, after, 16, 24), 100 + 400 + 20 + 30 + 10);
  assert.deepEqual(model.breakdownUs(before, after, 16, 24), { requestBase: 100, daemonBytes: 10, bytesCopied: 400, fileCopies: 30, renames: 20 });
  assert.deepEqual(model.pricedCounters, ['bytesCopied', 'fileCopies', 'renames']);
  assert.equal(model.serviceUs(after, after, 0, 0), 100);
  // a counter missing from one snapshot counts as 0
  assert.equal(model.serviceUs({}, { renames: 2 }, 0, 0), 140);
});

test('a meter over live counters prices each request from their increase since the previous one, like serviceUs', () => {
  const model = new CostModel(profile(), 'tdb');
  const live = { bytesCopied: 1000, renames: 3, fileCopies: 2, reads: 9, unpriced: 1 };
  const meter = model.meter(live);
  Object.assign(live, { bytesCopied: 41000, renames: 4, fileCopies: 3, reads: 10, unpriced: 99 });
  assert.equal(meter.serviceUs(16, 24), model.serviceUs({ bytesCopied: 1000, renames: 3, fileCopies: 2 }, live, 16, 24));
  assert.equal(meter.serviceUs(0, 0), 100);
  live.renames += 2;
  assert.equal(meter.serviceUs(0, 0), 140);
  // a counter the live object lacks counts as 0
  assert.equal(model.meter({}).serviceUs(0, 0), 100);
});

test('the daemon loop\'s overhead per request is part of every service time and shows in the breakdown', () => {
  const p = profile();
  const model = new CostModel({ ...p, daemon: { perByteUs: 0.25, perRequestUs: 4, wakeUs: 9 } }, 'trie');
  assert.equal(model.serviceUs({ nodesAllocated: 0 }, { nodesAllocated: 3 }, 0, 8), 50 + 4 + 2 * 3 + 0.25 * 8);
  assert.deepEqual(model.breakdownUs({ nodesAllocated: 0 }, { nodesAllocated: 3 }, 0, 8), { requestBase: 50, daemonBytes: 2, daemonLoop: 4, nodesAllocated: 6 });
  assert.equal(model.daemonWakeUs, 9);
  assert.equal(model.daemonIterations, false);
  assert.equal(model.hasClientThreads, false);
});

test('transport delay = latency + per-byte', () => {
  const model = new CostModel(profile(), 'trie');
  assert.equal(model.transportUs(0), 10);
  assert.equal(model.transportUs(20), 20);
  assert.equal(model.serviceUs({ nodesAllocated: 1 }, { nodesAllocated: 4 }, 0, 0), 56);
});

test('an engine the profile does not price is refused by name', () => {
  assert.throws(() => new CostModel(profile(), 'trie-replay'), (e: unknown) => e instanceof CostProfileError && /prices no engine "trie-replay".*tdb, trie/.test(e.message));
});

test('validation reports every problem at once', () => {
  const bad = {
    profileVersion: 2,
    name: 'Bad Name',
    description: '',
    machine: { os: 'x', cpu: 'y', cpuCount: 0, node: null, colour: 'red' },
    sources: [{ id: 'a', citation: 'c', fact: 'f' }, { id: 'a', citation: 'c', fact: 'f' }],
    transport: { latencyUs: -1, perByteUs: 0 },
    daemon: { perByteUs: 0 },
    engines: { tdb: { requestBaseUs: 1, counters: { x: -2 } }, bogus: { requestBaseUs: 1, counters: {} } },
    extra: true,
  };
  try {
    parseProfile(bad, 'bad.json');
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof CostProfileError);
    const text = e.issues.join('\n');
    for (const path of ['profileVersion', 'name', 'description', 'machine.cpuCount', 'machine', 'transport.latencyUs', 'engines.tdb.counters.x', '(profile)']) {
      assert.ok(e.issues.some((i) => i.startsWith(`${path}:`)), `missing issue for ${path} in\n${text}`);
    }
    assert.match(e.message, /^invalid cost profile bad\.json:/);
  }
  // zod stops before refinements when the shape is wrong; with the shape fixed the cross-field checks all show.
  try {
    parseProfile({ ...profile(), sources: [{ id: 'a', citation: 'c', fact: 'f' }, { id: 'a', citation: 'c', fact: 'f' }], engines: { bogus: { requestBaseUs: 1, counters: {} }, tdb: { requestBaseUs: 1, counters: {} } } });
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof CostProfileError);
    assert.deepEqual(e.issues, [
      'engines.bogus: unknown engine kind; expected one of tdb, trie, tdb-pernode, trie-replay',
      'sources.1.id: duplicate source id a',
    ]);
  }
});

test('loadProfile: built-in names, files, and a clear error otherwise', () => {
  assert.ok(builtinProfileNames().includes('xen-2009'));
  const xen = loadProfile('xen-2009');
  assert.equal(xen.name, 'xen-2009');
  assert.ok(xen.sources.length >= 5);
  for (const kind of ['tdb', 'trie']) assert.ok(xen.engines[kind], kind);
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'xstorm-cost-'));
  try {
    const file = nodePath.join(dir, 'p.json');
    writeProfileFile(file, profile());
    assert.deepEqual(loadProfile(file), profile());
    fs.writeFileSync(nodePath.join(dir, 'broken.json'), '{');
    assert.throws(() => loadProfile(nodePath.join(dir, 'broken.json')), /not JSON/);
    assert.throws(() => loadProfile('no-such-profile', { XDG_CACHE_HOME: dir }), /no such profile; built-in: .*xen-2009/);
    fs.mkdirSync(nodePath.join(dir, 'xstorm', 'profiles'), { recursive: true });
    writeProfileFile(nodePath.join(dir, 'xstorm', 'profiles', 'mine.json'), { ...profile(), name: 'mine' });
    assert.equal(loadProfile('mine', { XDG_CACHE_HOME: dir }).name, 'mine');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
