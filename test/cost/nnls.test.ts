import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nnls } from '../../runner/cost/nnls.ts';
import { fitWakeAndRequest } from '../../runner/cost/calibrate.ts';

test('nnls recovers exact non-negative coefficients', () => {
  const truth = [5, 0.5, 2];
  const rows = [[1, 0, 0], [1, 10, 0], [1, 0, 3], [1, 20, 1], [1, 5, 5]];
  const b = rows.map((r) => r.reduce((s, v, i) => s + v * truth[i]!, 0));
  const x = nnls(rows, b);
  x.forEach((v, i) => assert.ok(Math.abs(v - truth[i]!) < 1e-6, `x${i}=${v}`));
});

test('nnls clamps a coefficient that least squares would make negative', () => {
  // b decreases with column 1, so its best non-negative price is 0.
  const rows = [[1, 0], [1, 1], [1, 2]];
  const x = nnls(rows, [10, 9, 8]);
  assert.equal(x[1], 0);
  assert.ok(Math.abs(x[0]! - 9) < 1e-9);
});

test('calibration splits a thread\'s CPU per request into a price per wake-up and a price per request', () => {
  // Runs with 1, 1/2, 1/4 and 1/10 wake-ups per request of a thread that
  // costs 20 µs per wake-up and 10 µs per request.
  const rows = [1, 0.5, 0.25, 0.1].map((w) => ({ wakesPerRequest: w, usPerRequest: 20 * w + 10 }));
  const fit = fitWakeAndRequest(rows);
  assert.ok(Math.abs(fit.wakeUs - 20) < 1e-6, `wake ${fit.wakeUs}`);
  assert.ok(Math.abs(fit.perRequestUs - 10) < 1e-6, `request ${fit.perRequestUs}`);
  // A thread whose CPU per request does not fall with batching has no wake-up price.
  const flat = fitWakeAndRequest([1, 0.5, 0.2].map((w) => ({ wakesPerRequest: w, usPerRequest: 12 })));
  assert.ok(Math.abs(flat.wakeUs) < 1e-6 && Math.abs(flat.perRequestUs - 12) < 1e-6, JSON.stringify(flat));
});
