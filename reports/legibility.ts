/**
 * Does a rendered chart read? {@link chartLayout} reads the boxes Chart.js
 * laid out (tick labels of every axis, axis titles, title and subtitle,
 * legend items, and the annotation plugin's labels), measured with the
 * chart's own canvas; {@link layoutProblems} lists what would make a
 * reader squint: two labels of a kind overlapping, anything cut off at the
 * canvas edge, a label in the plot cut off at the plot's edge. The tests run
 * it on every chart of a bench-shaped results file, in Node and in
 * Chromium (report.html).
 */

/** A laid-out box in canvas pixels. */
export interface LaidOutBox {
  /** What it is, for messages: `x tick "40"`, `legend "tdb · xen-2009"`. */
  readonly what: string;
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** Everything {@link layoutProblems} checks, as plain data (it crosses from a browser page as JSON). */
export interface ChartLayout {
  readonly width: number;
  readonly height: number;
  readonly chartArea: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
  /** Boxes that must not overlap each other, by group (one group per axis's ticks, the legend, the titles, the annotation labels). */
  readonly groups: Readonly<Record<string, readonly LaidOutBox[]>>;
  /** Annotation labels: drawn clipped to the plot, so they must lie inside it. */
  readonly inPlot: readonly LaidOutBox[];
}

/**
 * Reads a rendered Chart.js chart's laid-out boxes. Self-contained (its
 * body uses nothing from outside but the chart) so that a browser test can
 * run its source in the page, on the charts report.html drew.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function chartLayout(chart: any): ChartLayout {
  const ctx = chart.ctx;
  const family = chart.options.font?.family ?? 'sans-serif';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const fontString = (font: any): string => font?.string ?? `${font?.style ?? 'normal'} ${font?.weight ?? 'normal'} ${font?.size ?? 12}px ${font?.family ?? family}`;
  const measure = (text: string, font: string): number => {
    ctx.save();
    ctx.font = font;
    const width = ctx.measureText(text).width;
    ctx.restore();
    return width;
  };
  const groups: Record<string, LaidOutBox[]> = {};
  const add = (group: string, box: LaidOutBox): void => {
    (groups[group] ??= []).push(box);
  };
  // Title and subtitle: centred text in full-width blocks.
  for (const block of chart.boxes) {
    const text = block.options?.text;
    if (!block.options?.display || typeof text !== 'string' || text === '' || block.legendHitBoxes) continue;
    const font = fontString({ ...block.options.font, family: block.options.font?.family ?? family });
    const width = measure(text, font);
    const centre = (block.left + block.right) / 2;
    add('titles', { what: `title "${text}"`, left: centre - width / 2, top: block.top, right: centre + width / 2, bottom: block.bottom });
  }
  for (const [id, scale] of Object.entries<any>(chart.scales)) { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (!scale.options.display) continue;
    for (const item of scale.getLabelItems()) {
      const lines: string[] = Array.isArray(item.label) ? item.label.map(String) : [String(item.label)];
      const font = fontString(item.font);
      const width = Math.max(...lines.map((line) => measure(line, font)));
      const height = item.font.lineHeight * lines.length;
      const [x, y] = item.options.translation;
      const align = item.options.textAlign;
      const left = align === 'center' ? x - width / 2 : align === 'right' || align === 'end' ? x - width : x;
      const baseline = item.options.textBaseline;
      const top = baseline === 'middle' ? y + item.textOffset - item.font.lineHeight / 2 : baseline === 'bottom' ? y + item.textOffset - height : y + item.textOffset;
      add(`${id} ticks`, { what: `${id} tick "${lines.join(' ')}"`, left, top, right: left + width, bottom: top + height });
    }
    const title = scale.options.title;
    if (title?.display && title.text) {
      const font = fontString({ ...title.font, family: title.font?.family ?? family });
      const width = measure(String(title.text), font);
      const size = title.font?.size ?? 12;
      if (scale.isHorizontal()) {
        const centre = (scale.left + scale.right) / 2;
        add('axis titles', { what: `${id} title "${title.text}"`, left: centre - width / 2, top: scale.bottom - size * 1.2, right: centre + width / 2, bottom: scale.bottom });
      } else {
        const centre = (scale.top + scale.bottom) / 2;
        add('axis titles', { what: `${id} title "${title.text}"`, left: scale.left, top: centre - width / 2, right: scale.left + size * 1.2, bottom: centre + width / 2 });
      }
    }
  }
  const legend = chart.legend;
  if (legend?.options?.display) {
    (legend.legendHitBoxes as Array<{ left: number; top: number; width: number; height: number }>).forEach((box, i) => {
      add('legend', { what: `legend "${legend.legendItems?.[i]?.text ?? i}"`, left: box.left, top: box.top, right: box.left + box.width, bottom: box.top + box.height });
    });
  }
  const inPlot: LaidOutBox[] = [];
  const registry = Object.getPrototypeOf(chart).constructor.registry;
  const annotation = registry?.plugins?.get?.('annotation');
  for (const element of annotation?.getAnnotations?.(chart) ?? []) {
    const labels = element.options?.type === 'label' ? [element] : (element.elements ?? []);
    for (const label of labels) {
      if (label.options?.display === false || label.skip) continue;
      const content = label.options?.content;
      const text = Array.isArray(content) ? content.join(' / ') : String(content ?? '');
      if (text === '') continue;
      const rotation = Math.abs(Number(label.options?.rotation ?? label.rotation ?? 0)) % 180;
      const cx = (label.x + label.x2) / 2;
      const cy = (label.y + label.y2) / 2;
      const [w, h] = rotation === 90 ? [label.y2 - label.y, label.x2 - label.x] : [label.x2 - label.x, label.y2 - label.y];
      const box = { what: `label "${text}"`, left: cx - w / 2, top: cy - h / 2, right: cx + w / 2, bottom: cy + h / 2 };
      add('plot labels', box);
      inPlot.push(box);
    }
  }
  const area = chart.chartArea;
  return { width: chart.width, height: chart.height, chartArea: { left: area.left, top: area.top, right: area.right, bottom: area.bottom }, groups, inPlot };
}

/** Overlap in pixels beyond which two boxes collide (anti-aliasing and rounding aside). */
const SLACK = 0.5;

const overlaps = (a: LaidOutBox, b: LaidOutBox): boolean =>
  a.left < b.right - SLACK && b.left < a.right - SLACK && a.top < b.bottom - SLACK && b.top < a.bottom - SLACK;

/**
 * What does not read in a layout: boxes of the same group that overlap,
 * boxes outside the canvas, labels in the plot outside the plot. Empty when
 * the chart is fine.
 */
export function layoutProblems(layout: ChartLayout): string[] {
  const problems: string[] = [];
  const px = (v: number): string => v.toFixed(1);
  for (const [group, boxes] of Object.entries(layout.groups)) {
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i]!;
      if (a.left < -SLACK || a.top < -SLACK || a.right > layout.width + SLACK || a.bottom > layout.height + SLACK) {
        problems.push(`${a.what} is cut off by the canvas edge (${px(a.left)},${px(a.top)})-(${px(a.right)},${px(a.bottom)}) of ${layout.width}×${layout.height}`);
      }
      for (let j = i + 1; j < boxes.length; j++) {
        if (overlaps(a, boxes[j]!)) problems.push(`${group}: ${a.what} overlaps ${boxes[j]!.what}`);
      }
    }
  }
  const area = layout.chartArea;
  for (const box of layout.inPlot) {
    if (box.left < area.left - 1 || box.right > area.right + 1 || box.top < area.top - 1 || box.bottom > area.bottom + 1) {
      problems.push(`${box.what} is cut off by the plot's edge (${px(box.left)},${px(box.top)})-(${px(box.right)},${px(box.bottom)}) in (${px(area.left)},${px(area.top)})-(${px(area.right)},${px(area.bottom)})`);
    }
  }
  return problems;
}
