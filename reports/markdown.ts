/** summary.md: provenance, the headline table, the per-run table and the charts. */
import type { ChartSpec } from './chart-spec.ts';
import type { ReportSource } from './sources.ts';
import { displayCommand } from './command.ts';
import { headlineTable, otherHeadlineFigures, provenance, runsTable, type Table } from './tables.ts';

const escapeCell = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');

/** A GitHub-flavoured Markdown table. */
export function markdownTable(table: Table): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  const rule = `|${table.align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`;
  return [line(table.header), rule, ...table.rows.map(line)].join('\n');
}

/** The summary.md text; `charts` are shown as `charts/<id>.png`, with links to their `.svg` and `.pdf` unless `vector` is false. */
export function toMarkdown(sources: readonly ReportSource[], charts: readonly ChartSpec[], options: { readonly vector?: boolean } = {}): string {
  const out: string[] = [];
  out.push(sources.length === 1 ? `# xstorm results: ${sources[0]!.file.id}` : `# xstorm comparison: ${sources.map((s) => s.label).join(' vs ')}`, '');
  for (const source of sources) {
    if (sources.length > 1) out.push(`## ${source.label}`, '');
    out.push(provenance(source.file), '', `Command: \`${displayCommand(source.file.meta.command)}\``, '');
    const headline = headlineTable(source.file);
    if (headline) {
      const scenario = source.file.headline?.scenario;
      out.push(sources.length > 1 ? '### Headline' : '## Headline', '');
      if (typeof scenario === 'string' && source.file.headline?.definition === undefined) out.push(`Scenario \`${scenario}\`: the largest guest count at which the engine, and every smaller count tried, met the SLO.`, '');
      out.push(markdownTable(headline), '');
      const other = otherHeadlineFigures(source.file);
      const scalars = other.filter(({ value }) => typeof value !== 'object' || value === null);
      const objects = other.filter(({ value }) => typeof value === 'object' && value !== null);
      if (scalars.length) out.push(...scalars.map(({ key, value }) => `- ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`), '');
      for (const { key, value } of objects) out.push('<details>', `<summary>${key}</summary>`, '', '```json', JSON.stringify(value, null, 2), '```', '', '</details>', '');
    }
  }
  out.push('## Runs', '', markdownTable(runsTable(sources)), '');
  if (charts.length) {
    out.push('## Charts', '');
    for (const chart of charts) {
      out.push(`![${chart.title}](charts/${chart.id}.png)`, '');
      if (options.vector !== false) out.push(`Vector: [SVG](charts/${chart.id}.svg), [PDF](charts/${chart.id}.pdf)`, '');
    }
  }
  return out.join('\n');
}
