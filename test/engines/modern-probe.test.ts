/**
 * conflict_probe.py's 17 scenarios replayed directly on the modern engines
 * (two dom0 callers stand for the probe's two connections); each engine must
 * print exactly what the real Xen 4.17 daemon prints (../shared/realxs/RESULTS.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTdbPernodeEngine } from '../../engines/tdb-pernode/index.ts';
import { createTrieReplayEngine } from '../../engines/trie-replay/index.ts';
import { REAL_PROBE_OUTPUT, runProbe } from './modern-probe-scenarios.ts';

test('tdb-pernode prints what the real cxenstored 4.17 prints for conflict_probe.py', () => {
  const engine = createTdbPernodeEngine({});
  assert.deepEqual(runProbe(engine), REAL_PROBE_OUTPUT.cxenstored);
  engine.close();
});

test('trie-replay prints what the real oxenstored 4.17 prints for conflict_probe.py', () => {
  const engine = createTrieReplayEngine({});
  assert.deepEqual(runProbe(engine), REAL_PROBE_OUTPUT.oxenstored);
  engine.close();
});

test('the probe on a fresh engine is repeatable (same lines twice on one engine)', () => {
  for (const make of [createTdbPernodeEngine, createTrieReplayEngine]) {
    const engine = make({});
    assert.deepEqual(runProbe(engine), runProbe(engine));
    engine.close();
  }
});
