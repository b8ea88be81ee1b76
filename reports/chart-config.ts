/**
 * A chart spec as a Chart.js configuration (with chartjs-plugin-annotation
 * options for reference lines, labelled marks and bar value labels). The
 * configuration is plain JSON, no functions, so the same object is rendered
 * in Node (reports/render.ts) and inlined into report.html; the one
 * function it needs, {@link legendFilter}, is added by each renderer.
 */
import type { ChartBar, ChartLine, ChartMark, ChartSeries, ChartSpec } from './chart-spec.ts';
import { formatValueLabel } from './format.ts';

/** How big to draw: 1 for the interactive HTML, 2 for paper-ready PNGs. */
export interface ChartLook {
  readonly scale: number;
}

/** Colour per engine, fixed so every chart and report agrees (colour-blind-safe Okabe–Ito hues). */
const ENGINE_COLOURS: Readonly<Record<string, string>> = {
  tdb: '#D55E00',
  trie: '#0072B2',
  'tdb-pernode': '#E69F00',
  'trie-replay': '#009E73',
  'socket:cxenstored': '#CC79A7',
  'socket:oxenstored': '#56B4E9',
};
const SPARE_COLOURS = ['#000000', '#CC79A7', '#56B4E9', '#F0E442', '#7F7F7F', '#8C564B'];
/** The paper's reference series and marks. */
const PAPER_COLOUR = '#555555';
const LINE_COLOURS: Readonly<Record<ChartLine['kind'], string>> = { cap: '#333333', slo: '#117733', paper: PAPER_COLOUR };
const LINE_DASHES: Readonly<Record<ChartLine['kind'], number[]>> = { cap: [8, 4], slo: [10, 3, 2, 3], paper: [2, 3] };
const DASHES: ReadonlyArray<number[]> = [[], [12, 6], [3, 4], [12, 4, 3, 4]];
const REFERENCE_DASHES: ReadonlyArray<number[]> = [[2, 4], [8, 4, 2, 4]];
const POINT_STYLES = ['circle', 'rect', 'triangle', 'rectRot', 'crossRot', 'star'];
/** Series with more points than this get a marker on every few points only (staggered between series). */
const DENSE = 25;

/** `#rrggbb` with an alpha, as `rgba(...)`. */
function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** `#rrggbb` mixed with white (0: unchanged, 1: white). */
function lighter(hex: string, amount: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number): string => Math.round(c + (255 - c) * amount).toString(16).padStart(2, '0');
  return `#${mix((n >> 16) & 255)}${mix((n >> 8) & 255)}${mix(n & 255)}`;
}

/**
 * Marker radius per point: every point when the chart's series are sparse;
 * when any is dense, about ten markers per series (the same spacing for
 * all, offset per series so overlapping lines show distinct markers).
 */
function markerRadii(count: number, densest: number, seriesIndex: number, seriesCount: number, radius: number): number | number[] {
  if (densest <= DENSE) return radius;
  const step = Math.ceil(densest / 10);
  const offset = Math.round((seriesIndex * step) / Math.max(1, seriesCount));
  return Array.from({ length: count }, (_, i) => ((i + offset) % step === 0 ? radius : 0));
}

/** Annotation id → annotation options (chartjs-plugin-annotation). */
type Annotations = Record<string, Record<string, unknown>>;

/**
 * A Chart.js configuration for a spec: title and subtitle, labelled axes
 * (log, or a log₂ grid shown as equally spaced categories), legend beside
 * the plot, engine colours, dash and marker per style variant, the paper's
 * series grey and dotted, bands shaded, reference lines and marks as
 * annotations; bar charts horizontal with a value label on every bar.
 */
export function toChartConfig(spec: ChartSpec, look: ChartLook = { scale: 1 }) {
  const s = look.scale;
  const spare = new Map<string, string>();
  const colour = (engine: string): string => {
    const fixed = ENGINE_COLOURS[engine];
    if (fixed) return fixed;
    if (engine.startsWith('paper-')) return PAPER_COLOUR;
    if (!spare.has(engine)) spare.set(engine, SPARE_COLOURS[spare.size % SPARE_COLOURS.length]!);
    return spare.get(engine)!;
  };
  const font = (size: number, weight?: string, style?: string) => ({ size: Math.round(size * s), ...(weight ? { weight } : {}), ...(style ? { style } : {}) });
  const lineHeight = 12 * s * 1.2;
  const plugins = {
    title: { display: true, text: spec.title, font: font(15, 'bold'), padding: { top: 2 * s, bottom: spec.subtitle ? 2 * s : 8 * s } },
    subtitle: { display: spec.subtitle !== undefined, text: spec.subtitle ?? '', font: font(11), color: '#555', padding: { bottom: 8 * s } },
    tooltip: { enabled: true },
  };
  const axisTitle = (text: string) => ({ display: text !== '', text, font: font(13, 'bold'), padding: 4 * s });
  const grid = { color: '#e5e5e5', lineWidth: s };
  const border = { color: '#888', width: s };
  const annotations: Annotations = {};
  lineAnnotations(spec.lines ?? [], annotations, s, font, lineHeight, capLabelAtLeft(spec));

  if (spec.bars) {
    const finished = spec.bars.filter((bar) => bar.unfinished === undefined);
    const max = Math.max(0, ...finished.map((bar) => bar.value));
    barLabels(spec.bars, max, annotations, s, font, spec.valueSuffix ?? '');
    const fill = (bar: ChartBar): string => ((bar.variant ?? 0) > 0 ? lighter(colour(bar.engine), 0.5) : colour(bar.engine));
    return {
      type: 'bar' as const,
      data: {
        labels: spec.bars.map((bar) => bar.label),
        datasets: [{
          label: spec.xLabel,
          data: spec.bars.map((bar) => (bar.unfinished === undefined ? bar.value : null)),
          backgroundColor: spec.bars.map(fill),
          borderColor: spec.bars.map((bar) => colour(bar.engine)),
          borderWidth: 1.5 * s,
          maxBarThickness: 56 * s,
        }],
      },
      options: {
        indexAxis: 'y' as const,
        responsive: false,
        animation: false as const,
        layout: { padding: { top: 4 * s, right: 16 * s, bottom: 4 * s, left: 4 * s } },
        plugins: { ...plugins, legend: { display: false }, annotation: { annotations } },
        scales: {
          x: { type: 'linear', beginAtZero: true, ...(spec.valueMax !== undefined && max <= spec.valueMax ? { max: spec.valueMax } : { suggestedMax: max * 1.05 }), title: axisTitle(spec.xLabel), ticks: { font: font(12), maxTicksLimit: 8, maxRotation: 0, autoSkipPadding: 24 * s }, grid, border },
          y: { type: 'category', title: axisTitle(spec.yLabel), ticks: { font: font(12), autoSkip: false }, grid: { display: false }, border },
        },
      },
    };
  }

  const ordered = [
    ...spec.series.filter((series) => (series.kind ?? 'measured') === 'measured'),
    ...spec.series.filter((series) => series.kind === 'reference'),
    ...spec.series.filter((series) => series.kind === 'band'),
  ];
  const measuredCount = ordered.filter((series) => (series.kind ?? 'measured') === 'measured').length;
  const densest = Math.max(0, ...spec.series.map((series) => series.points.length));
  const indexOf = new Map(ordered.map((series, i) => [series.id ?? `#${i}`, i]));
  const categories = spec.xCategories;
  const datasets = ordered.map((series, i) => {
    const data = series.points.map((p) => ({ x: categories ? categories.indexOf(p.x) : p.x, y: p.y }));
    const variant = series.variant ?? 0;
    if (series.kind === 'band') {
      const tint = withAlpha(colour(series.engine), 0.2);
      const target = series.fillTo === undefined ? undefined : indexOf.get(series.fillTo);
      return {
        label: series.label, data, order: 2, showLine: false, pointRadius: 0, pointHoverRadius: 0, tension: 0,
        // The legend draws this width: a broad tinted stroke stands for the shaded range.
        borderWidth: 8 * s, borderColor: withAlpha(colour(series.engine), 0.35), backgroundColor: tint,
        fill: target === undefined ? false : { target, above: tint, below: tint },
        ...(series.hideInLegend ? { xstormHideInLegend: true } : {}),
      };
    }
    if (series.kind === 'reference') {
      return {
        label: series.label, data, order: -1, borderColor: PAPER_COLOUR, backgroundColor: PAPER_COLOUR, borderWidth: 2 * s,
        borderDash: REFERENCE_DASHES[variant % REFERENCE_DASHES.length]!.map((d) => d * s), pointRadius: 0, pointHoverRadius: 4 * s, tension: 0, fill: false,
      };
    }
    return {
      label: series.label, data, order: 0,
      borderColor: colour(series.engine), backgroundColor: colour(series.engine), borderWidth: 2.5 * s,
      borderDash: DASHES[variant % DASHES.length]!.map((d) => d * s),
      pointStyle: POINT_STYLES[(i + variant) % POINT_STYLES.length],
      pointRadius: markerRadii(series.points.length, densest, i, measuredCount, (densest > DENSE ? 3 : 3.5) * s),
      pointHoverRadius: 5 * s, tension: 0, fill: false,
      ...(series.hideInLegend ? { xstormHideInLegend: true } : {}),
    };
  });
  const suggestedMax = markAnnotations(spec, annotations, s, font, colour);
  const axis = (title: string, log: boolean) => ({
    type: log ? 'logarithmic' : 'linear',
    ...(log ? {} : { beginAtZero: true }),
    title: axisTitle(title),
    ticks: { font: font(12), maxTicksLimit: 11, maxRotation: 0, autoSkipPadding: 24 * s },
    grid, border,
  });
  const x = categories
    ? { type: 'category', labels: categories.map(String), offset: false, title: axisTitle(spec.xLabel), ticks: { font: font(12), maxRotation: 0, autoSkip: false }, grid, border }
    : axis(spec.xLabel, spec.xLog);
  // Room above the highest horizontal line for its label (drawn above it for an SLO or the paper's figure).
  const lineTops = (spec.lines ?? []).filter((line) => line.axis === 'y').map((line) => line.value * (spec.yLog ? 2.5 : 1.12));
  const yTop = Math.max(suggestedMax ?? -Infinity, ...lineTops);
  const y = { ...axis(spec.yLabel, spec.yLog ?? false), ...(Number.isFinite(yTop) ? { suggestedMax: yTop } : {}) };
  return {
    type: 'line' as const,
    data: { ...(categories ? { labels: categories.map(String) } : {}), datasets },
    options: {
      responsive: false,
      animation: false as const,
      parsing: false as const,
      normalized: true,
      layout: { padding: { top: 4 * s, right: 8 * s, bottom: 4 * s, left: 4 * s } },
      interaction: { mode: 'nearest' as const, intersect: false },
      plugins: {
        ...plugins,
        legend: {
          // Chart.js gives a side legend a quarter of the width at most, which cuts labels like
          // `tdb-pernode · calibrated`; up to 40 % it fits them (the plot keeps the rest).
          display: true, position: 'right' as const, align: 'center' as const, maxWidth: 200 * s,
          labels: { font: font(11), usePointStyle: true, pointStyle: 'line', pointStyleWidth: 30 * s, boxHeight: 8 * s, padding: 8 * s },
        },
        annotation: { annotations },
      },
      scales: { x, y },
    },
  };
}

/**
 * Whether the cap's label goes under the cap line's left end rather than
 * its right: when the nearest mark on the cap (where a curve ran into it)
 * is closer to the right end than to the left.
 */
function capLabelAtLeft(spec: ChartSpec): boolean {
  const xs = spec.series.flatMap((series) => series.points.map((p) => p.x));
  if (!xs.length || !spec.marks?.length) return false;
  const low = Math.min(0, ...xs);
  const high = Math.max(...xs);
  const fromRight = Math.min(...spec.marks.map((mark) => high - mark.x));
  const fromLeft = Math.min(...spec.marks.map((mark) => mark.x - low));
  return fromRight < fromLeft;
}

/**
 * Reference lines with their labels. A horizontal cap's label sits under
 * one end of it (above the cap are the marks' rows): the end farther from
 * where curves ran into the cap; an SLO's or the paper's above its left
 * end; a vertical line's label runs along it, above the middle of its
 * extent.
 */
function lineAnnotations(lines: readonly ChartLine[], annotations: Annotations, s: number, font: (size: number, weight?: string, style?: string) => object, lineHeight: number, capAtLeft: boolean): void {
  lines.forEach((line, i) => {
    const colour = LINE_COLOURS[line.kind];
    const extent = line.axis === 'y'
      ? { yMin: line.value, yMax: line.value, ...(line.from !== undefined ? { xMin: line.from } : {}), ...(line.to !== undefined ? { xMax: line.to } : {}) }
      : { xMin: line.value, xMax: line.value, ...(line.from !== undefined ? { yMin: line.from } : {}), ...(line.to !== undefined ? { yMax: line.to } : {}) };
    const under = line.labelSide ? line.labelSide === 'below' : line.kind === 'cap';
    // A vertical line's label sits in its upper part: at the bottom are the curves' low ends.
    const left = line.labelAt ? line.labelAt === 'start' : !under || capAtLeft;
    // Read across: centred on the line, so shifted by half its width (~0.6 em per character) and a gap.
    const across = line.labelAcross ? (line.labelAcross === 'right' ? 1 : -1) * (line.label.length * 0.3 * 11 + 6) * s : 0;
    const placement = line.axis === 'x'
      ? (line.labelAcross ? { position: '70%', xAdjust: across } : { position: '78%', rotation: -90 })
      : { position: left ? 'start' : 'end', yAdjust: (under ? 1 : -1) * (lineHeight / 2 + 3 * s), xAdjust: (left ? 4 : -4) * s };
    annotations[`line-${i}`] = {
      type: 'line',
      ...extent,
      borderColor: colour,
      borderWidth: 1.5 * s,
      borderDash: LINE_DASHES[line.kind].map((d) => d * s),
      drawTime: 'beforeDatasetsDraw',
      label: {
        display: true,
        content: line.label,
        ...placement,
        backgroundColor: 'rgba(255, 255, 255, 0.85)',
        color: colour,
        font: line.axis === 'x' && !line.labelAcross ? font(10) : font(11, line.axis === 'x' ? undefined : 'bold'),
        padding: 2 * s,
        borderRadius: 0,
        drawTime: 'afterDatasetsDraw',
      },
    };
  });
}

/**
 * Value labels of a horizontal bar chart: outside the bar's end (so a tiny
 * bar still shows its value), inside it when the bar is long; an unfinished
 * run gets its note where the bar would start, and no bar.
 */
function barLabels(bars: readonly ChartBar[], max: number, annotations: Annotations, s: number, font: (size: number, weight?: string, style?: string) => object, suffix: string): void {
  bars.forEach((bar, i) => {
    const common = { type: 'label', yValue: i, padding: 0, drawTime: 'afterDatasetsDraw' };
    if (bar.unfinished !== undefined) {
      annotations[`bar-${i}`] = { ...common, xValue: 0, content: bar.unfinished, position: { x: 'start', y: 'center' }, xAdjust: 6 * s, color: '#444', font: font(12, undefined, 'italic') };
      return;
    }
    const inside = max > 0 && bar.value >= 0.7 * max;
    annotations[`bar-${i}`] = {
      ...common, xValue: bar.value, content: `${bar.lowerBound ? '≥ ' : ''}${formatValueLabel(bar.value)}${suffix}`,
      position: { x: inside ? 'end' : 'start', y: 'center' }, xAdjust: (inside ? -6 : 6) * s,
      color: inside ? '#ffffff' : '#222222', font: font(12, 'bold'),
    };
  });
}

/**
 * Width of a mark's label (its longest line) as a fraction of the plot's
 * width: about 0.022 per character of 10-point text on the PNG's plot
 * (~500 px of 1000 beside a full legend; the HTML's plot is relatively
 * wider); a little generous, so labels stay inside.
 */
const labelWidthFraction = (text: string): number => 0.023 * Math.max(...text.split('\n').map((line) => line.length)) + 0.03;

/**
 * Labelled marks in rows above `spec.marksAbove` (the cap), one row each so
 * labels never overlap whatever their x. A label runs right of its mark
 * when it fits there, else left; one that fits on neither side breaks
 * after its `:` onto two lines. Marks whose label runs right take the
 * lower rows, nearest the right first, so no connector crosses a label;
 * marks whose label runs left take the rows above, nearest the left first.
 * Returns the y axis's suggested maximum (room for the rows).
 */
function markAnnotations(spec: ChartSpec, annotations: Annotations, s: number, font: (size: number, weight?: string, style?: string) => object, colour: (engine: string) => string): number | undefined {
  const marks = spec.marks ?? [];
  if (!marks.length || spec.marksAbove === undefined) return undefined;
  const xs = spec.series.flatMap((series) => series.points.map((p) => p.x)).concat(marks.map((m) => m.x));
  const low = Math.min(0, ...xs);
  const span = Math.max(...xs) - low || 1;
  const fits = (mark: ChartMark): boolean => {
    const at = (mark.x - low) / span;
    const width = labelWidthFraction(mark.label);
    return at + width <= 1 || at - width >= 0;
  };
  // A label that fits on neither side breaks after its `:` onto two lines.
  const laidOut = (spec.marks ?? []).map((mark) => (fits(mark) || mark.label.includes('\n') || !mark.label.includes(': ') ? mark : { ...mark, label: mark.label.replace(': ', ':\n') }));
  const runsRight = (mark: ChartMark): boolean => {
    const at = (mark.x - low) / span;
    const width = labelWidthFraction(mark.label);
    return at + width <= 1 || (at - width < 0 && 1 - at >= at);
  };
  const rightward = laidOut.filter(runsRight).sort((a, b) => b.x - a.x);
  const leftward = laidOut.filter((m) => !runsRight(m)).sort((a, b) => a.x - b.x);
  const base = spec.marksAbove;
  const ordered = [...rightward, ...leftward];
  const heights = ordered.map((mark) => mark.label.split('\n').length);
  // A text line (with its share of the label's padding) needs about 7 % of
  // the plot's height at either scale; give it 8.5 % of the axis, which
  // itself grows with the rows: lineRow = k (base + lineRow × units).
  const units = heights.reduce((sum, h) => sum + h + 0.25, 0.2);
  const k = 0.085;
  const lineRow = (k * base) / Math.max(0.2, 1 - k * units);
  let below = 0;
  ordered.forEach((mark, r) => {
    const right = r < rightward.length;
    const labelY = base + lineRow * (below + heights[r]! / 2 + 0.35);
    below += heights[r]! + 0.25;
    const tint = mark.engine === undefined ? PAPER_COLOUR : colour(mark.engine);
    const paper = mark.kind === 'paper';
    annotations[`mark-${r}-link`] = {
      type: 'line', xMin: mark.x, xMax: mark.x, yMin: mark.fromY ?? mark.y, yMax: labelY,
      borderColor: tint, borderWidth: 1.2 * s, borderDash: paper ? [2 * s, 3 * s] : [], drawTime: mark.fromY !== undefined ? 'beforeDatasetsDraw' : 'afterDatasetsDraw',
    };
    if (mark.fromY === undefined) {
      annotations[`mark-${r}-point`] = { type: 'point', xValue: mark.x, yValue: mark.y, pointStyle: 'crossRot', radius: 5 * s, borderColor: tint, borderWidth: 2.5 * s, backgroundColor: 'rgba(0, 0, 0, 0)', drawTime: 'afterDatasetsDraw' };
    }
    annotations[`mark-${r}`] = {
      type: 'label', xValue: mark.x, yValue: labelY, content: mark.label.split('\n'), textAlign: right ? 'left' : 'right',
      // The plugin's 'start' puts the label's start at the point (text runs right), 'end' its end.
      position: { x: right ? 'start' : 'end', y: 'center' },
      xAdjust: (right ? -2 : 2) * s,
      color: paper ? PAPER_COLOUR : '#222222', font: font(10, paper ? undefined : 'bold', paper ? 'italic' : undefined),
      backgroundColor: 'rgba(255, 255, 255, 0.9)', borderColor: tint, borderWidth: 1.2 * s, borderDash: paper ? [2 * s, 2 * s] : [], borderRadius: 0, padding: { x: 4 * s, y: 2 * s },
      drawTime: 'afterDatasetsDraw',
    };
  });
  return base + lineRow * units;
}

/**
 * Chart.js `legend.labels.filter`, which also fixes each item's line
 * sample: leaves out datasets marked `xstormHideInLegend` (a band's lower
 * edge), and gives the sample its dataset's dash, width and colour (with
 * `usePointStyle`, Chart.js takes them from the first point instead, so a
 * dashed line showed solid and a band's broad tint as a hairline).
 */
export function legendFilter(item: { datasetIndex?: number; lineDash?: unknown; lineWidth?: unknown; strokeStyle?: unknown }, data: { datasets: ReadonlyArray<Record<string, unknown>> }): boolean {
  const dataset = item.datasetIndex === undefined ? undefined : data.datasets[item.datasetIndex];
  if (!dataset) return true;
  if (Array.isArray(dataset.borderDash)) item.lineDash = dataset.borderDash;
  if (typeof dataset.borderWidth === 'number') item.lineWidth = dataset.borderWidth;
  if (typeof dataset.borderColor === 'string') item.strokeStyle = dataset.borderColor;
  return dataset.xstormHideInLegend !== true;
}

/** {@link legendFilter} as JavaScript source, for the HTML page (which loads no modules); a test checks the two agree. */
export const LEGEND_FILTER_JS = `function (item, data) {
  var dataset = item.datasetIndex === undefined ? undefined : data.datasets[item.datasetIndex];
  if (!dataset) return true;
  if (Array.isArray(dataset.borderDash)) item.lineDash = dataset.borderDash;
  if (typeof dataset.borderWidth === 'number') item.lineWidth = dataset.borderWidth;
  if (typeof dataset.borderColor === 'string') item.strokeStyle = dataset.borderColor;
  return dataset.xstormHideInLegend !== true;
}`;
