/**
 * The figures stay readable: every chart of a bench-shaped results file (and
 * of a sweep, and of a comparison of several files) is rendered as the PNG
 * is, and no two tick labels, legend items or labels in the plot overlap,
 * and nothing is cut off at the canvas's or the plot's edge. The check
 * itself is shown to catch overlaps and cut-offs. SVG and PDF come out of
 * the same drawing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildChartSpecs, chartLayout, labelSources, layoutProblems, type ChartSpec, type ResultsFile,
} from '../../reports/index.ts';
import { renderChart, withRenderedChart, CHART_SIZE } from '../../reports/render.ts';
import { benchFixture, paperRun, realFixture, smallFixture, sweepFixture } from './fixtures.ts';

function problemsOf(spec: ChartSpec): string[] {
  return layoutProblems(withRenderedChart(spec, 'png', (chart) => chartLayout(chart)));
}

/** Several files compared, each one target: labels must not repeat the file ids (the real-time docs figure). */
function comparisonFiles(): ResultsFile[] {
  return ['tdb', 'trie', 'tdb-pernode', 'trie-replay', 'socket:cxenstored', 'socket:oxenstored'].map((engine) => {
    const run = { ...paperRun(engine === 'socket:cxenstored' ? 'trie' : engine === 'socket:oxenstored' ? 'trie-replay' : engine), engine, driver: 'real' as const, profile: null };
    return { ...smallFixture(), id: `20261130-120000-run-paper-7.3-${engine.replace(':', '-')}-g160`, runs: [run], headline: undefined };
  });
}

const cases: Array<[string, () => ResultsFile[]]> = [
  ['a bench-shaped file', () => [benchFixture()]],
  ['a sweep', () => [sweepFixture()]],
  ['a real-driver sweep', () => [realFixture()]],
  ['real-time runs of six targets compared', comparisonFiles],
  ['two sweeps compared', () => [sweepFixture(), { ...sweepFixture(), id: 'sweep-other' }]],
];

for (const [name, files] of cases) {
  test(`every chart of ${name} reads: no overlapping labels, nothing cut off`, () => {
    const specs = buildChartSpecs(labelSources(files()));
    assert.ok(specs.length > 0);
    for (const spec of specs) assert.deepEqual(problemsOf(spec), [], spec.id);
  });
}

test('the real-time comparison is labelled by target, not by file id', () => {
  const starts = buildChartSpecs(labelSources(comparisonFiles())).find((spec) => spec.id === 'cumulative-start-paper-7.3')!;
  assert.deepEqual(starts.series.filter((s) => s.kind === undefined).map((s) => s.label), ['tdb', 'trie', 'tdb-pernode', 'trie-replay', 'cxenstored (socket)', 'oxenstored (socket)']);
  assert.equal(starts.subtitle, 'real time');
});

test('the check catches overlapping tick labels, a legend cut off at the edge, and labels outside the plot', () => {
  const base: ChartSpec = { id: 'bad', title: 'Bad', xLabel: 'x', yLabel: 'y', xLog: false, series: [] };
  const crowded: ChartSpec = {
    ...base, xCategories: Array.from({ length: 21 }, (_, i) => 2 ** i),
    series: [{ label: 'tdb', engine: 'tdb', sourceIndex: 0, points: Array.from({ length: 21 }, (_, i) => ({ x: 2 ** i, y: i })) }],
  };
  assert.ok(problemsOf(crowded).some((p) => /^x ticks: x tick "\d+" overlaps x tick "\d+"$/.test(p)), problemsOf(crowded).join('\n'));
  const longLegend: ChartSpec = { ...base, series: [{ label: 'a legend label far too long to fit beside any plot at all, whatever the font size', engine: 'tdb', sourceIndex: 0, points: [{ x: 1, y: 1 }] }] };
  assert.ok(problemsOf(longLegend).some((p) => p.startsWith('legend "a legend label far too long') && p.includes('cut off by the canvas edge')), problemsOf(longLegend).join('\n'));
  const box = (what: string, left: number, top: number, right: number, bottom: number) => ({ what, left, top, right, bottom });
  assert.deepEqual(layoutProblems({
    width: 100, height: 100, chartArea: { left: 10, top: 10, right: 90, bottom: 90 },
    groups: { legend: [box('a', 0, 0, 20, 10), box('b', 15, 5, 30, 12), box('c', 95, 0, 110, 10)] },
    inPlot: [box('label "x"', 5, 20, 30, 30)],
  }), [
    'legend: a overlaps b',
    'c is cut off by the canvas edge (95.0,0.0)-(110.0,10.0) of 100×100',
    'label "x" is cut off by the plot\'s edge (5.0,20.0)-(30.0,30.0) in (10.0,10.0)-(90.0,90.0)',
  ]);
});

test('SVG and PDF beside the PNG: the same drawing as vector files', () => {
  const spec = buildChartSpecs(labelSources([benchFixture()])).find((s) => s.id === 'cumulative-start-paper-7.3')!;
  const png = renderChart(spec, 'png');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [CHART_SIZE.width, CHART_SIZE.height]);
  const svg = renderChart(spec, 'svg').toString('utf8');
  assert.match(svg, /^<\?xml version="1\.0" encoding="utf-8" \?>\n<svg [^>]*width="1000" height="600"/);
  // Text is drawn as outlines, so the file looks the same whatever fonts the reader has.
  assert.doesNotMatch(svg, /<text/);
  assert.ok(svg.length > 50_000, `${svg.length} bytes of SVG`);
  const pdf = renderChart(spec, 'pdf');
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  // Text stays text in the PDF, with its font embedded (what \includegraphics in pdfLaTeX wants).
  assert.match(pdf.toString('latin1'), /\/FontFile2/);
  assert.match(pdf.toString('latin1'), /\/MediaBox \[0 0 1000 600\]/);
});
