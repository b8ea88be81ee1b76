/**
 * Non-negative least squares by cyclic coordinate descent on the normal
 * equations: minimise ‖A·x − b‖² subject to x ≥ 0. Small problems only
 * (tens of unknowns), which is all calibration needs. Pure and deterministic.
 */
export function nnls(rows: readonly (readonly number[])[], b: readonly number[], iterations = 20000): number[] {
  const n = rows[0]?.length ?? 0;
  const ata: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const atb = new Array<number>(n).fill(0);
  rows.forEach((row, r) => {
    for (let i = 0; i < n; i++) {
      atb[i]! += row[i]! * b[r]!;
      for (let j = 0; j < n; j++) ata[i]![j]! += row[i]! * row[j]!;
    }
  });
  const x = new Array<number>(n).fill(0);
  for (let it = 0; it < iterations; it++) {
    let moved = 0;
    for (let i = 0; i < n; i++) {
      const d = ata[i]![i]!;
      if (d <= 0) continue;
      let g = atb[i]!;
      for (let j = 0; j < n; j++) if (j !== i) g -= ata[i]![j]! * x[j]!;
      const next = Math.max(0, g / d);
      moved = Math.max(moved, Math.abs(next - x[i]!) * Math.sqrt(d));
      x[i] = next;
    }
    if (moved < 1e-9) break;
  }
  return x;
}
