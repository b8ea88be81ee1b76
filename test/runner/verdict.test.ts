import { test } from 'node:test';
import assert from 'node:assert/strict';
import { livelockVerdict, sustainedVerdict } from '../../runner/verdict.ts';
import { getScenario } from '../../scenarios/index.ts';

test('livelock: a class attempting with < 1% commits over the last half', () => {
  const buckets = {
    // Commits well in the first half, then 1 of 200 (0.5%) in the last half.
    toolstack: { 0: { attempts: 10, commits: 10 }, 1: { attempts: 5, commits: 5 }, 2: { attempts: 100, commits: 1 }, 3: { attempts: 100, commits: 0 } },
    // Exactly 1% is not livelocked (fewer than 1% is).
    guest: { 2: { attempts: 50, commits: 1 }, 3: { attempts: 50, commits: 0 } },
    // Idle class: too few attempts to judge.
    agent: { 3: { attempts: 9, commits: 0 } },
  };
  const v = livelockVerdict(buckets, 4000, 1000);
  assert.equal(v.livelocked, true);
  assert.deepEqual(v.classes, ['toolstack']);
  assert.deepEqual(v.windows, [
    { actorClass: 'agent', attempts: 9, commits: 0, livelocked: false },
    { actorClass: 'guest', attempts: 100, commits: 1, livelocked: false },
    { actorClass: 'toolstack', attempts: 200, commits: 1, livelocked: true },
  ]);
  // With an odd duration the half is at 1500 ms: bucket 1 (1000..2000) starts before it.
  assert.deepEqual(livelockVerdict({ c: { 1: { attempts: 100, commits: 100 }, 2: { attempts: 20, commits: 0 } } }, 3000, 1000).classes, ['c']);
  assert.deepEqual(livelockVerdict({ c: { 1: { attempts: 100, commits: 100 }, 2: { attempts: 20, commits: 0 } } }, 2000, 1000).classes, []);
  assert.deepEqual(livelockVerdict({}, 1000, 100), { livelocked: false, classes: [], windows: [] });
});

test('sustained: the scenario SLO decides', () => {
  const scenario = getScenario('paper-7.3');
  const params = scenario.params.parse({ capS: 100 });
  const input = {
    guests: 2, durationS: 50, commits: 10, eagain: 0, goodput: 1, abortRate: 0, latencyP99Ms: 1, livelocked: false, starved: 0,
    events: { guestStarted: [{ tS: 10, value: 1 }, { tS: 20, value: 2 }] },
  };
  const ok = sustainedVerdict(scenario, params, input);
  assert.equal(ok.sustained, true);
  assert.equal(ok.slo.ok, true);
  const late = sustainedVerdict(scenario, params, { ...input, events: { guestStarted: [{ tS: 10, value: 1 }, { tS: 120, value: 2 }] } });
  assert.equal(late.sustained, false);
  const missing = sustainedVerdict(scenario, params, { ...input, events: { guestStarted: [{ tS: 10, value: 1 }] } });
  assert.equal(missing.sustained, false);
});
