import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nnls } from '../../runner/cost/nnls.ts';

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
