/**
 * The daemon's time-based policy behind `Daemon.tick` (daemon/refills.ts):
 * oxenstored's conflict-credit refills, one per period on a grid that
 * restarts at the first pause, going on while clients are active or a
 * domain is paused, stopping when idle and resuming in phase.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../daemon/index.ts';
import { createEngine } from '../../engines/index.ts';
import type { ConflictThrottle, Engine } from '../../engines/types.ts';

/** A throttle that records refills; `paused` and the first-pause listener are driven by the test. */
class FakeThrottle implements ConflictThrottle {
  readonly burstLimit = 5;
  readonly refillSeconds = 0.05;
  refills: number[] = [];
  paused = false;
  now = 0;
  #listener: (() => void) | null = null;
  credit(): number {
    return this.paused ? 0 : 5;
  }
  isPaused(domid: number): boolean {
    return this.paused && domid !== 0;
  }
  pausedDomains(): number[] {
    return this.paused ? [1] : [];
  }
  hasPaused(): boolean {
    return this.paused;
  }
  refill(): void {
    this.refills.push(this.now);
  }
  onFirstPause(listener: (() => void) | null): void {
    this.#listener = listener;
  }
  pause(): void {
    this.paused = true;
    this.#listener?.();
  }
}

/** Moves the fake throttle's clock and the daemon's together. */
function ticker(throttle: FakeThrottle, daemon: Daemon): (ms: number) => void {
  return (ms) => {
    throttle.now = ms;
    daemon.tick(ms);
  };
}

function daemonWith(throttle: FakeThrottle): Daemon {
  const engine: Engine = createEngine('trie', {});
  Object.defineProperty(engine, 'throttle', { value: throttle });
  return new Daemon(engine, { createToolNodes: false });
}

describe('Daemon.tick: conflict-credit refills', () => {
  it('needs no ticks without a throttle', () => {
    const d = new Daemon(createEngine('trie', {}));
    d.tick(0);
    assert.equal(d.nextTickMs, undefined);
    d.close();
  });

  it('refills once per period while clients are active, stops when idle, resumes in phase', () => {
    const t = new FakeThrottle();
    const d = daemonWith(t);
    const tick = ticker(t, d);
    tick(0);
    assert.equal(d.nextTickMs, 50);
    tick(10); // a client sends
    tick(50); // the deadline: refill, active since the last one → continue
    assert.deepEqual(t.refills, [50]);
    assert.equal(d.nextTickMs, 100);
    tick(100); // nothing happened since: refill, then stop
    assert.deepEqual(t.refills, [50, 100]);
    assert.equal(d.nextTickMs, undefined);
    tick(237); // a client sends again: resume on the grid (250), no refill for the idle periods
    assert.equal(d.nextTickMs, 250);
    tick(250);
    assert.deepEqual(t.refills, [50, 100, 250]);
    d.close();
  });

  it('keeps refilling while a domain is paused; the first pause restarts the countdown from the current time', () => {
    const t = new FakeThrottle();
    const d = daemonWith(t);
    const tick = ticker(t, d);
    tick(0);
    tick(20);
    t.pause(); // inside a request: the daemon asks for a tick at once
    assert.equal(d.nextTickMs, -Infinity);
    tick(23);
    assert.equal(d.nextTickMs, 73);
    tick(73);
    tick(123);
    tick(173);
    assert.deepEqual(t.refills, [73, 123, 173]); // paused: no activity needed
    t.paused = false;
    tick(223); // refill, nothing paused, no activity since 173 → stop
    assert.equal(d.nextTickMs, undefined);
    assert.deepEqual(t.refills, [73, 123, 173, 223]);
    d.close();
  });

  it('counts a tick a rounding error before the deadline as at it', () => {
    const t = new FakeThrottle();
    const d = daemonWith(t);
    d.tick(0.1);
    d.tick(1);
    const due = d.nextTickMs!;
    d.tick(due - 1e-9);
    assert.equal(t.refills.length, 1);
    d.close();
  });
});
