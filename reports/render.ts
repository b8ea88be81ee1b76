/**
 * Charts as files: PNG for the README and HTML, SVG and PDF for papers.
 * PNGs come from chartjs-node-canvas (`renderToBufferSync`, the one call
 * that works with its `canvas` dependency aliased to the prebuilt
 * @napi-rs/canvas, see DESIGN.md). SVG and PDF need canvases it cannot
 * make, so Chart.js draws them on @napi-rs/canvas directly: Skia's SVG
 * canvas (text turned into outlines, so it looks the same with any fonts
 * installed) and Skia's PDF document (text kept as text, fonts embedded:
 * what `\includegraphics` takes in pdfLaTeX). The same direct raster
 * canvas serves the layout check ({@link withRenderedChart}): same Chart.js
 * version, same canvas, same configuration, so the same layout as the PNG.
 * chartjs-plugin-annotation draws reference lines, marks and value labels.
 */
import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import annotationPlugin from 'chartjs-plugin-annotation';
import { createCanvas, PDFDocument, SvgExportFlag } from 'canvas';
import { legendFilter, toChartConfig } from './chart-config.ts';
import type { ChartSpec } from './chart-spec.ts';

/** Pixel size of the charts: 2x fonts and lines on 1000×600 stay legible at paper column width. */
export const CHART_SIZE = { width: 1000, height: 600, scale: 2 } as const;
/** @deprecated Same as {@link CHART_SIZE} (the PNG is one of three formats now). */
export const PNG_SIZE = CHART_SIZE;

/** File formats a chart is written in (`charts/<id>.<format>`). */
export const CHART_FORMATS = ['png', 'svg', 'pdf'] as const;
export type ChartFormat = (typeof CHART_FORMATS)[number];

/** Fills the canvas white before drawing (Chart.js leaves it transparent). */
const whiteBackground = {
  id: 'xstormWhiteBackground',
  beforeDraw(chart: Chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** House defaults of a Chart.js instance (this module's, or chartjs-node-canvas's own). */
function styleChartJs(chartJs: typeof Chart): void {
  chartJs.defaults.font.family = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";
  chartJs.defaults.color = '#222';
}

let registered = false;
function register(): void {
  if (registered) return;
  Chart.register(...registerables, annotationPlugin, whiteBackground);
  styleChartJs(Chart);
  registered = true;
}

let pngRenderer: ChartJSNodeCanvas | undefined;

/** chartjs-node-canvas loads its own Chart.js instance: the same plugins and defaults are registered on it. */
function pngCanvas(): ChartJSNodeCanvas {
  pngRenderer ??= new ChartJSNodeCanvas({
    width: CHART_SIZE.width,
    height: CHART_SIZE.height,
    plugins: { modern: ['chartjs-plugin-annotation'] },
    chartCallback: (chartJs) => {
      chartJs.register(whiteBackground);
      styleChartJs(chartJs as unknown as typeof Chart);
    },
  });
  return pngRenderer;
}

/** The Chart.js configuration of a spec as Node renders it (legend filter added). */
function nodeConfig(spec: ChartSpec): ChartConfiguration {
  const config = toChartConfig(spec, { scale: CHART_SIZE.scale }) as unknown as ChartConfiguration;
  const legend = config.options?.plugins?.legend as { labels?: Record<string, unknown> } | undefined;
  if (legend?.labels) legend.labels.filter = legendFilter;
  return config;
}

/** A 2D context Chart.js accepts: Skia's PDF page context has no `canvas`, which Chart.js reads for the size. */
function withCanvas(ctx: object, width: number, height: number): { width: number; height: number; style: object; getContext: () => object } {
  const canvas = { width, height, style: {}, getContext: () => proxy };
  const proxy: object = new Proxy(ctx, {
    get(target, property) {
      if (property === 'canvas') return canvas;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(target, property, value) {
      return Reflect.set(target, property, value, target);
    },
  });
  return canvas;
}

/**
 * Draws a spec on a fresh canvas of the given format and hands the live
 * chart to `use` (to read its laid-out boxes, or the canvas's bytes) before
 * destroying it.
 */
export function withRenderedChart<T>(spec: ChartSpec, format: ChartFormat, use: (chart: Chart, bytes: () => Buffer) => T): T {
  register();
  const { width, height } = CHART_SIZE;
  if (format === 'pdf') {
    const document = new PDFDocument({ title: spec.title, creator: 'xstorm' });
    const page = withCanvas(document.beginPage(width, height), width, height);
    const chart = new Chart(page as never, nodeConfig(spec));
    try {
      return use(chart, () => {
        document.endPage();
        return document.close();
      });
    } finally {
      chart.destroy();
    }
  }
  const canvas = format === 'svg' ? createCanvas(width, height, SvgExportFlag.ConvertTextToPaths) : createCanvas(width, height);
  const chart = new Chart(canvas.getContext('2d') as never, nodeConfig(spec));
  try {
    return use(chart, () => ('getContent' in canvas ? canvas.getContent() : canvas.toBuffer('image/png')));
  } finally {
    chart.destroy();
  }
}

/** Renders one chart spec to PNG, SVG or PDF bytes (white background, {@link CHART_SIZE}). */
export function renderChart(spec: ChartSpec, format: ChartFormat): Buffer {
  if (format === 'png') return pngCanvas().renderToBufferSync(nodeConfig(spec) as never, 'image/png');
  return withRenderedChart(spec, format, (_chart, bytes) => bytes());
}

/** Renders one chart spec to PNG bytes. */
export function renderChartPng(spec: ChartSpec): Buffer {
  return renderChart(spec, 'png');
}
