/**
 * PNG charts through chartjs-node-canvas, whose `canvas` dependency is
 * aliased to the prebuilt @napi-rs/canvas (see DESIGN.md): only the
 * synchronous `renderToBufferSync` works with that alias.
 */
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartConfiguration } from 'chart.js';
import { toChartConfig, type ChartSpec } from './charts.ts';

/** Pixel size of the PNG charts: 2x fonts and lines on 1000×600 stay legible at paper column width. */
export const PNG_SIZE = { width: 1000, height: 600, scale: 2 } as const;

let renderer: ChartJSNodeCanvas | undefined;

/** Renders one chart spec to PNG bytes (white background). */
export function renderChartPng(spec: ChartSpec): Buffer {
  renderer ??= new ChartJSNodeCanvas({
    width: PNG_SIZE.width,
    height: PNG_SIZE.height,
    backgroundColour: 'white',
    chartCallback: (ChartJS) => {
      ChartJS.defaults.font.family = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";
      ChartJS.defaults.color = '#222';
    },
  });
  const config = toChartConfig(spec, { scale: PNG_SIZE.scale }) as unknown as ChartConfiguration;
  return renderer.renderToBufferSync(config, 'image/png');
}
