import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEASURED_THINK_MEDIAN_US, THINK_QUANTILES_US, thinkTimeUs } from '../../scenarios/think.ts';

test('think times follow the measured quantiles, scaled to the median asked for', () => {
  assert.equal(thinkTimeUs(0.5, MEASURED_THINK_MEDIAN_US), MEASURED_THINK_MEDIAN_US);
  assert.ok(Math.abs(thinkTimeUs(0.5, 100) - 100) < 1e-9);
  for (const [q, us] of THINK_QUANTILES_US) assert.ok(Math.abs(thinkTimeUs(q, MEASURED_THINK_MEDIAN_US) - us) < 1e-9, `q ${q}`);
  assert.ok(Math.abs(thinkTimeUs(0, 2 * MEASURED_THINK_MEDIAN_US) - 2 * THINK_QUANTILES_US[0]![1]) < 1e-9);
  assert.equal(thinkTimeUs(0.999999, MEASURED_THINK_MEDIAN_US) <= THINK_QUANTILES_US.at(-1)![1], true);
  assert.equal(thinkTimeUs(0.3, 0), 0);
  // Monotone in u, log-linear between quantiles.
  let previous = 0;
  for (let u = 0; u < 1; u += 0.001) {
    const t = thinkTimeUs(u, MEASURED_THINK_MEDIAN_US);
    assert.ok(t >= previous * (1 - 1e-12), `u ${u}`);
    previous = t;
  }
  const [q0, v0] = THINK_QUANTILES_US[4]!;
  const [q1, v1] = THINK_QUANTILES_US[5]!;
  assert.ok(Math.abs(thinkTimeUs((q0 + q1) / 2, MEASURED_THINK_MEDIAN_US) - Math.sqrt(v0 * v1)) < 1e-9);
});
