/**
 * report.html: one self-contained page (Chart.js, its annotation plugin and
 * the chart data inlined, no network), with the same tables as summary.md and the charts
 * interactive (tooltips, legend toggles). `window.xstormCharts` holds the
 * Chart instances (the browser test checks them).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LEGEND_FILTER_JS, toChartConfig } from './chart-config.ts';
import type { ChartSpec } from './chart-spec.ts';
import type { ReportSource } from './sources.ts';
import { displayCommand } from './command.ts';
import { headlineTable, otherHeadlineFigures, provenance, runsTable, type Table } from './tables.ts';

const scriptSources = new Map<string, string>();

/**
 * A package's browser (UMD) build, read once and made safe inside a
 * <script> element. Packages export no such subpath, so it is found next to
 * the main file: Chart.js's `chart.umd.min.js`, and the annotation plugin's
 * `chartjs-plugin-annotation.min.js` (which registers itself with the
 * global Chart).
 */
function browserBuild(pkg: string, file: string): string {
  const key = `${pkg}/${file}`;
  let text = scriptSources.get(key);
  if (text === undefined) {
    const main = createRequire(import.meta.url).resolve(pkg);
    text = readFileSync(path.join(path.dirname(main), file), 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, '').replace(/<\/script/gi, '<\\/script');
    scriptSources.set(key, text);
  }
  return text;
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON safe inside a <script> element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

function htmlTable(table: Table): string {
  const cells = (row: readonly string[], tag: 'td' | 'th'): string =>
    row.map((text, i) => `<${tag}${table.align[i] === 'r' ? ' class="r"' : ''}>${escapeHtml(text)}</${tag}>`).join('');
  return `<table><thead><tr>${cells(table.header, 'th')}</tr></thead><tbody>${table.rows.map((row) => `<tr>${cells(row, 'td')}</tr>`).join('')}</tbody></table>`;
}

const STYLE = `
body{font-family:system-ui,'DejaVu Sans',Arial,sans-serif;margin:1.5rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}p.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}th,td{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}
th{border-bottom:2px solid #888}.r{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1rem}
figure{margin:0;border:1px solid #eee;padding:.5rem}figure.wide{grid-column:1/-1}canvas{width:100%!important;height:auto!important}
details{margin:.5rem 0}`;

/** The report.html text. */
export function toHtml(sources: readonly ReportSource[], charts: readonly ChartSpec[]): string {
  const title = sources.length === 1 ? `xstorm results: ${sources[0]!.file.id}` : `xstorm comparison: ${sources.map((s) => s.label).join(' vs ')}`;
  const parts: string[] = [];
  for (const source of sources) {
    if (sources.length > 1) parts.push(`<h2>${escapeHtml(source.label)}</h2>`);
    parts.push(`<p class="meta">${escapeHtml(provenance(source.file).replace(/`/g, ''))}<br>Command: <code>${escapeHtml(displayCommand(source.file.meta.command))}</code></p>`);
    const headline = headlineTable(source.file);
    if (headline) {
      const scenario = source.file.headline?.scenario;
      const about = typeof scenario === 'string' && source.file.headline?.definition === undefined ? `<p>Scenario <code>${escapeHtml(scenario)}</code>: the largest guest count at which the engine, and every smaller count tried, met the SLO.</p>` : '';
      parts.push(`<h2>Headline</h2>${about}${htmlTable(headline)}`);
      const other = otherHeadlineFigures(source.file);
      for (const { key, value } of other) {
        parts.push(typeof value === 'object' && value !== null
          ? `<details><summary>${escapeHtml(key)}</summary><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></details>`
          : `<p><b>${escapeHtml(key)}</b>: ${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value))}</p>`);
      }
    }
  }
  const chartData = charts.map((spec) => ({ id: spec.id, config: toChartConfig(spec, { scale: 1 }) }));
  // The paper's figure and the knee charts get a row of their own.
  const wide = (spec: ChartSpec): boolean => spec.id.startsWith('cumulative-start-') || spec.id.startsWith('knee-');
  const figures = charts.map((spec) => `<figure${wide(spec) ? ' class="wide"' : ''}><canvas id="chart-${escapeHtml(spec.id)}" width="1000" height="600" role="img" aria-label="${escapeHtml(spec.title)}"></canvas></figure>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${parts.join('\n')}
${charts.length ? `<h2>Charts</h2>\n<div class="charts">\n${figures}\n</div>` : ''}
<h2>Runs</h2>
<details open><summary>${sources.reduce((n, s) => n + s.file.runs.length, 0)} runs</summary>${htmlTable(runsTable(sources))}</details>
<script>${browserBuild('chart.js', 'chart.umd.min.js')}</script>
<script>${browserBuild('chartjs-plugin-annotation', 'chartjs-plugin-annotation.min.js')}</script>
<script type="application/json" id="xstorm-charts">${scriptJson(chartData)}</script>
<script>
(function () {
  var charts = JSON.parse(document.getElementById('xstorm-charts').textContent);
  Chart.defaults.font.family = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";
  Chart.defaults.color = '#222';
  window.xstormCharts = charts.map(function (chart) {
    var config = chart.config;
    config.options.responsive = true;
    config.options.maintainAspectRatio = true;
    config.options.aspectRatio = 5 / 3;
    if (config.options.plugins.legend.labels) config.options.plugins.legend.labels.filter = ${LEGEND_FILTER_JS};
    return new Chart(document.getElementById('chart-' + chart.id), config);
  });
})();
</script>
</body>
</html>
`;
}
