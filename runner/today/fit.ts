/**
 * Power laws fitted to figures measured at several domain counts: is the
 * work per domain growing like N (so the total like N², quadratic)?
 * Pure functions, tested with exact values.
 */

/** One measured point: a figure `y` at `n` domains. */
export interface Point {
  readonly n: number;
  readonly y: number;
}

/** `y ≈ coefficient × n^exponent`, fitted by least squares on (ln n, ln y). */
export interface PowerLaw {
  readonly exponent: number;
  readonly coefficient: number;
  /** Coefficient of determination of the log-log fit (1 = a perfect power law). */
  readonly r2: number;
  /** Points used (positive n and y), and the range of n. */
  readonly points: number;
  readonly minN: number;
  readonly maxN: number;
}

/**
 * Fits a power law to the points with positive `n` and `y`; null with fewer
 * than two such points or a single distinct `n` (no slope to fit).
 */
export function fitPowerLaw(points: readonly Point[]): PowerLaw | null {
  const usable = points.filter((p) => p.n > 0 && p.y > 0 && Number.isFinite(p.y));
  const xs = usable.map((p) => Math.log(p.n));
  const ys = usable.map((p) => Math.log(p.y));
  if (usable.length < 2 || new Set(xs).size < 2) return null;
  const k = usable.length;
  const mx = xs.reduce((a, b) => a + b, 0) / k;
  const my = ys.reduce((a, b) => a + b, 0) / k;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < k; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const exponent = sxy / sxx;
  const intercept = my - exponent * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { exponent, coefficient: Math.exp(intercept), r2, points: k, minN: Math.min(...usable.map((p) => p.n)), maxN: Math.max(...usable.map((p) => p.n)) };
}

/** The fitted value at `n`. */
export function evaluatePowerLaw(law: PowerLaw, n: number): number {
  return law.coefficient * n ** law.exponent;
}

/**
 * How a total grows, in words, from the exponent of the figure per domain
 * (the total's exponent is one more): "quadratic" within ±0.25 of 2, and
 * so on.
 */
export function growthWord(perDomainExponent: number): string {
  const total = perDomainExponent + 1;
  const names: Array<[number, string]> = [[1, 'linear'], [2, 'quadratic'], [3, 'cubic']];
  for (const [power, name] of names) if (Math.abs(total - power) <= 0.25) return name;
  return `like N^${total.toFixed(2)}`;
}
