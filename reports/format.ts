/**
 * How figures read in every artefact (tables, chart labels, headline text):
 * fixed, locale-free numbers; ratios of maxima that say when they are only
 * bounds ("≥ 64" when the top of the grid still sustained); run lengths
 * compared with a tolerance so float noise is not a different length.
 */

/** Fixed, locale-free number formatting: whole numbers from 100, else 1 to 3 decimals (same precision down a column of similar values). */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** A fraction as a percentage with one decimal (no % sign: the header carries the unit). */
export function formatPercent(value: number): string {
  return `${(value * 100).toFixed(1)}`;
}

/** A chart value label: like {@link formatNumber}, with thousands grouped (`64,000`) and trailing zeros dropped. */
export function formatValueLabel(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  const [whole, fraction] = value.toFixed(digits).split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const trimmed = fraction?.replace(/0+$/, '');
  return trimmed ? `${grouped}.${trimmed}` : grouped;
}

/**
 * Relative tolerance under which two run lengths are the same length: the
 * simulated clock ends a 2 s run at 1.9999999999999998 s or 2 s depending
 * on float rounding, which is not a different run length.
 */
export const SAME_LENGTH_TOLERANCE = 1e-6;

/** Whether two durations (s) are the same length within {@link SAME_LENGTH_TOLERANCE}. */
export function sameLength(a: number, b: number): boolean {
  return Math.abs(a - b) <= SAME_LENGTH_TOLERANCE * Math.max(Math.abs(a), Math.abs(b), 1e-9);
}

/** Whether a list of durations holds at least two different lengths ({@link sameLength}). */
export function lengthsDiffer(durations: readonly number[]): boolean {
  return durations.some((d) => !sameLength(d, durations[0]!));
}

/**
 * What a figure measured against a finite grid is: exact, a lower bound
 * (the largest value tried still passed, so the truth may be higher), an
 * upper bound, or unknown (both sides of a ratio are lower bounds).
 */
export type Bound = 'exact' | 'atLeast' | 'atMost' | 'unknown';

/**
 * The bound of a ratio a/b of two "largest sustained" figures, given which
 * of them is the top of what was tried: a at the top makes the ratio a lower
 * bound, b at the top an upper bound, both unknown.
 */
export function ratioBound(numeratorAtTop: boolean, denominatorAtTop: boolean): Bound {
  if (numeratorAtTop && denominatorAtTop) return 'unknown';
  if (numeratorAtTop) return 'atLeast';
  if (denominatorAtTop) return 'atMost';
  return 'exact';
}

/** `≥ 64`, `≤ 0.50`, `2.46`; `n/a` for a missing value; unknown reads `n/a (both at the top of the grid)`. */
export function formatBounded(value: number | null | undefined, bound: Bound = 'exact', format: (v: number) => string = (v) => v.toFixed(2)): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  if (bound === 'unknown') return 'n/a (both at the top of the grid)';
  const prefix = bound === 'atLeast' ? '≥ ' : bound === 'atMost' ? '≤ ' : '';
  return `${prefix}${format(value)}`;
}
