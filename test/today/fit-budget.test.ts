/** runner/today fit.ts and budget.ts: power laws and the time budget, on known inputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePowerLaw, fitPowerLaw, growthWord } from '../../runner/today/fit.ts';
import { Budget, describeStop, predictWallS } from '../../runner/today/budget.ts';

test('fitPowerLaw recovers an exact power law and says how well it fits', () => {
  const law = fitPowerLaw([50, 100, 200, 400].map((n) => ({ n, y: 3 * n ** 2 })))!;
  assert.ok(Math.abs(law.exponent - 2) < 1e-12);
  assert.ok(Math.abs(law.coefficient - 3) < 1e-9);
  assert.equal(law.r2, 1);
  assert.deepEqual([law.points, law.minN, law.maxN], [4, 50, 400]);
  assert.ok(Math.abs(evaluatePowerLaw(law, 1000) - 3e6) < 1e-3);
  // (n − 1) / 2, EAGAIN per domain when every pair of starts conflicts once: 1.5 at 4, 3.5 at 8.
  assert.equal(fitPowerLaw([{ n: 4, y: 1.5 }, { n: 8, y: 3.5 }])!.exponent.toFixed(4), '1.2224');
  const flat = fitPowerLaw([{ n: 50, y: 174 }, { n: 100, y: 174 }])!;
  assert.equal(flat.exponent, 0);
  assert.equal(flat.r2, 1);
});

test('fitPowerLaw needs two usable points at two distinct N', () => {
  assert.equal(fitPowerLaw([]), null);
  assert.equal(fitPowerLaw([{ n: 50, y: 1 }]), null);
  assert.equal(fitPowerLaw([{ n: 50, y: 1 }, { n: 50, y: 2 }]), null);
  assert.equal(fitPowerLaw([{ n: 50, y: 0 }, { n: 100, y: 0 }]), null, 'zeros are left out (no log)');
  assert.equal(fitPowerLaw([{ n: 50, y: 0 }, { n: 100, y: 2 }, { n: 200, y: 4 }])!.exponent.toFixed(9), '1.000000000');
});

test('growthWord names the total\'s growth from the per-domain exponent', () => {
  assert.equal(growthWord(1.01), 'quadratic');
  assert.equal(growthWord(0.0), 'linear');
  assert.equal(growthWord(2.1), 'cubic');
  assert.equal(growthWord(0.5), 'like N^1.50');
});

test('predictWallS extends a series as a power law, exponent from its last two points within [the series\' own, 3]', () => {
  assert.equal(predictWallS([], 100), null);
  assert.equal(predictWallS([{ n: 50, wallS: 2 }], 100), 8, 'one point: N²');
  assert.equal(predictWallS([{ n: 50, wallS: 2 }], 100, 1), 4, 'one point, the series\' own exponent');
  assert.equal(predictWallS([{ n: 100, wallS: 8 }, { n: 50, wallS: 1 }], 200), 64, 'cubic from (50, 1) and (100, 8)');
  assert.equal(predictWallS([{ n: 50, wallS: 1 }, { n: 100, wallS: 100 }], 200), 800, 'exponent capped at 3');
  assert.equal(predictWallS([{ n: 50, wallS: 4 }, { n: 100, wallS: 8 }], 200), 32, 'a boot storm\'s exponent is at least 2');
  assert.equal(predictWallS([{ n: 50, wallS: 4 }, { n: 100, wallS: 4 }], 200, 1), 8, 'at least the series\' own');
});

test('Budget: shares of the total, unused time carried to the next phase, stops recorded with the reason', () => {
  let now = 0;
  const budget = new Budget(100, [{ phase: 'a', share: 3 }, { phase: 'b', share: 1 }], () => now);
  budget.begin('a');
  assert.equal(budget.leftS(), 75);
  assert.equal(budget.fits('s', null, 50, null), true, 'an unknown cost always runs');
  now = 25;
  assert.equal(budget.fits('s', 50, 100, 50), true);
  assert.equal(budget.fits('s', 100, 200, 51), false);
  budget.begin('b');
  // a used 25 of 75: b gets its 25 plus the 50 left.
  assert.equal(budget.leftS(), 75);
  now = 110;
  budget.end();
  assert.deepEqual(budget.accounts, [{ phase: 'a', budgetS: 75, usedS: 25 }, { phase: 'b', budgetS: 75, usedS: 85 }]);
  assert.deepEqual(budget.stops, [{ phase: 'a', series: 's', reachedN: 100, skippedN: 200, predictedS: 51, leftS: 50 }]);
  assert.equal(describeStop(budget.stops[0]!), 'a: s stops at N = 100: N = 200 would take about 51 s, 50 s of the budget left');
  assert.throws(() => budget.begin('c'), /unknown phase c/);
});
