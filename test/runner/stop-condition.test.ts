/**
 * The stop logic every driver shares, and the progress every driver
 * reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StopCondition } from '../../runner/stop-condition.ts';
import { runProgress } from '../../runner/run-progress.ts';

test('the endWhenDone classes end a run once all have returned; other actors do not', () => {
  const stop = new StopCondition({ actorClasses: ['toolstack', 'guest', 'guest'], endWhenDone: ['toolstack'] });
  stop.actorDone('guest');
  assert.equal(stop.done, false);
  stop.actorDone('toolstack');
  assert.equal(stop.reason, 'endWhenDone');
  stop.end('duration');
  assert.equal(stop.reason, 'endWhenDone', 'the first reason wins');
});

test('every actor returning ends a run without endWhenDone classes; no actors at all ends it at once', () => {
  const stop = new StopCondition({ actorClasses: ['guest', 'guest'], endWhenDone: [] });
  stop.actorDone('guest');
  assert.equal(stop.done, false);
  stop.actorDone('guest');
  assert.equal(stop.reason, 'allDone');
  assert.equal(new StopCondition({ actorClasses: [], endWhenDone: [] }).reason, 'allDone');
});

test('failures: the first is kept; failedFirst says whether it came before the end', async () => {
  const early = new StopCondition({ actorClasses: ['guest'], endWhenDone: [] });
  early.actorDone('guest', new Error('boom'));
  assert.equal(early.failure?.message, 'boom');
  assert.equal(early.failedFirst, true);
  await early.settled;
  const late = new StopCondition({ actorClasses: ['guest'], endWhenDone: [] });
  late.end('duration');
  late.fail(new Error('after'));
  late.fail(new Error('later still'));
  assert.equal(late.failure?.message, 'after');
  assert.equal(late.failedFirst, false);
  assert.equal(late.reason, 'duration');
});

test('an aborted signal stops the run (reason "stopped"), before or after construction; listeners hear every change', async () => {
  const controller = new AbortController();
  const stop = new StopCondition({ actorClasses: ['guest'], endWhenDone: [], signal: controller.signal });
  const heard: string[] = [];
  const unsubscribe = stop.onChange(() => heard.push(`${stop.reason ?? '-'}/${stop.failure?.message ?? '-'}`));
  controller.abort();
  await stop.settled;
  assert.equal(stop.reason, 'stopped');
  stop.fail(new Error('x'));
  unsubscribe();
  stop.fail(new Error('y'));
  assert.deepEqual(heard, ['stopped/-', 'stopped/x']);
  const aborted = AbortSignal.abort();
  assert.equal(new StopCondition({ actorClasses: ['guest'], endWhenDone: [], signal: aborted }).reason, 'stopped');
});

test('progress: elapsed time, or started guests when the scenario records them, whichever is further', () => {
  assert.deepEqual(runProgress({ elapsedMs: 2500, durationMs: 10000, guests: 4, commits: 120, eagain: 3, events: {} }), { fraction: 0.25, note: '2.5 s, 120 commits, 3 eagain' });
  assert.deepEqual(runProgress({ elapsedMs: 1000, durationMs: 10000, guests: 160, commits: 9, eagain: 0, events: { guestStarted: 40 } }), { fraction: 0.25, note: '1.0 s, 9 commits, 0 eagain, 40/160 started' });
  assert.equal(runProgress({ elapsedMs: 20000, durationMs: 10000, guests: 1, commits: 0, eagain: 0, events: {} }).fraction, 1);
});
