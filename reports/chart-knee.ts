/**
 * "Knee versus parameter": how many guests an engine started (or
 * sustained) as one unknown varies, e.g. tdb's knee against the TDB copy
 * price in µs/byte, with the paper's ~40 drawn as a labelled reference
 * line. A producer (the bench) either calls {@link kneeChart} or puts the
 * same input in `headline.kneeCurves`, which every report draws.
 */
import type { KneeCurve } from './schema.ts';
import type { ChartLine, ChartSpec } from './chart-spec.ts';
import { engineLabel } from './chart-labels.ts';

/** The chart of one knee curve set (see {@link KneeCurve}); its id is `knee-<id>`. */
export function kneeChart(curve: KneeCurve): ChartSpec {
  const lines: ChartLine[] = [];
  if (curve.top !== undefined) lines.push({ axis: 'y', value: curve.top, label: `all ${curve.top} guests started`, kind: 'cap' });
  // The reference's label at the right end, under its line: the curve runs above it.
  if (curve.reference) lines.push({ axis: 'y', value: curve.reference.y, label: curve.reference.label, kind: 'paper', labelAt: 'end', labelSide: 'below' });
  if (curve.setting) {
    // The setting's label read across, on the side of the line with more of the x range.
    const xs = curve.series.flatMap((series) => series.points.map((p) => p.x));
    const [lo, hi] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [curve.setting.x, curve.setting.x];
    const middle = curve.log ? Math.sqrt(lo * hi) : (lo + hi) / 2;
    lines.push({ axis: 'x', value: curve.setting.x, label: curve.setting.label, kind: 'slo', labelAcross: curve.setting.x <= middle ? 'right' : 'left' });
  }
  const unit = curve.unit ? ` (${curve.unit}${curve.log ? ', log scale' : ''})` : curve.log ? ' (log scale)' : '';
  return {
    id: `knee-${curve.id}`,
    title: curve.title ?? `Knee vs ${curve.parameter}`,
    ...(curve.subtitle ? { subtitle: curve.subtitle } : {}),
    xLabel: `${curve.parameter}${unit}`,
    yLabel: curve.yLabel ?? 'Guests started within the cap',
    xLog: curve.log ?? false,
    series: curve.series.map((s, i) => ({
      label: s.label ?? engineLabel(s.engine),
      engine: s.engine,
      sourceIndex: 0,
      variant: curve.series.slice(0, i).filter((other) => other.engine === s.engine).length,
      points: [...s.points].sort((a, b) => a.x - b.x),
    })),
    ...(lines.length ? { lines } : {}),
  };
}
