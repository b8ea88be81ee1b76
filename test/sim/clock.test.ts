import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimClock } from '../../runner/sim/clock.ts';

test('events fire in (time, seq) order and time advances only through the queue', async () => {
  const clock = new SimClock();
  const log: string[] = [];
  clock.schedule(5, () => log.push(`b@${clock.now()}`));
  clock.schedule(1, () => log.push(`a@${clock.now()}`));
  clock.schedule(5, () => log.push(`c@${clock.now()}`));
  clock.schedule(0, () => log.push(`z@${clock.now()}`));
  clock.schedule(-3, () => log.push(`neg@${clock.now()}`));
  const end = await clock.run(100);
  assert.equal(end, 'idle');
  assert.deepEqual(log, ['z@0', 'neg@0', 'a@1', 'b@5', 'c@5']);
  assert.equal(clock.now(), 5);
  assert.equal(clock.eventsFired, 5);
});

test('sleep resolves at the simulated instant and continuations run before time moves on', async () => {
  const clock = new SimClock();
  const log: string[] = [];
  const actor = async (name: string, periods: number[]) => {
    for (const ms of periods) {
      await clock.sleep(ms);
      // A chain of awaits inside the same instant must finish before the next instant.
      await Promise.resolve();
      await null;
      log.push(`${name}@${clock.now()}`);
    }
  };
  void actor('x', [10, 10, 5]);
  void actor('y', [15, 10]);
  await clock.run(1000);
  assert.deepEqual(log, ['x@10', 'y@15', 'x@20', 'y@25', 'x@25']);
});

test('run stops at untilMs and at shouldStop, leaving later events queued', async () => {
  const clock = new SimClock();
  let fired = 0;
  for (let i = 1; i <= 10; i++) clock.schedule(i * 10, () => fired++);
  assert.equal(await clock.run(35), 'until');
  assert.equal(fired, 3);
  assert.equal(clock.now(), 35);
  assert.equal(await clock.run(1000, () => fired >= 5), 'stopped');
  assert.equal(fired, 5);
  assert.equal(clock.now(), 50);
  assert.equal(clock.pending, 5);
});

test('the same program gives the same trace twice (no wall clock, no Math.random)', async () => {
  const trace = async () => {
    const clock = new SimClock();
    const out: number[] = [];
    let state = 7;
    const next = () => (state = (state * 48271) % 2147483647) / 2147483647;
    for (let a = 0; a < 20; a++) {
      void (async () => {
        for (let k = 0; k < 30; k++) {
          await clock.sleep(next() * 100);
          out.push(a, Math.round(clock.now() * 1000));
        }
      })();
    }
    await clock.run(1e9);
    return out;
  };
  assert.deepEqual(await trace(), await trace());
});

test('every continuation runs before time moves on, also when run() starts inside a host callback (as in a bench worker)', async () => {
  const clock = new SimClock();
  const seen: string[] = [];
  clock.schedule(1, () => {
    void (async () => {
      for (let i = 0; i < 50; i++) await null;
      seen.push(`chain done at ${clock.now()}`);
    })();
  }, true);
  clock.schedule(2, () => seen.push(`next event at ${clock.now()}`));
  await new Promise((resolve) => setImmediate(() => void clock.run(10).then(resolve)));
  assert.deepEqual(seen, ['chain done at 1', 'next event at 2']);
});
