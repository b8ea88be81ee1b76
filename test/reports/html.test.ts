/**
 * report.html in a real headless Chromium (Debian's chromium-headless-shell
 * or chromium, driven by playwright-core, which downloads no browser):
 * every chart is a Chart.js instance that drew pixels, no console errors,
 * no network requests, and, at two window widths, no overlapping or cut-off
 * labels (the same check as the PNGs'). Skips with a printed reason when no
 * browser is installed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { buildChartSpecs, chartLayout, labelSources, layoutProblems, writeReport, writeResultsDir, type ChartLayout } from '../../reports/index.ts';
import { benchFixture, smallFixture, sweepFixture } from './fixtures.ts';

const CANDIDATES = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const executablePath = CANDIDATES.find((candidate) => existsSync(candidate));
const skip = executablePath ? false : `no headless browser installed (looked for ${CANDIDATES.join(', ')}; apt-get install -y chromium-headless-shell)`;
if (skip) console.log(`# skipping report.html browser test: ${skip}`);

interface PageFacts {
  charts: number;
  canvases: number;
  painted: number[];
  titles: string[];
}

// One browser for the file: launching one costs seconds.
let browser: Promise<Browser> | undefined;
after(async () => {
  if (browser) await (await browser).close();
});

async function inspect(htmlFile: string, width = 1280): Promise<{ facts: PageFacts; errors: string[]; requests: string[]; layouts: ChartLayout[]; text: string }> {
  browser ??= chromium.launch({ executablePath: executablePath!, args: ARGS });
  const page = await (await browser).newPage({ viewport: { width, height: 900 } });
  try {
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
    // The page's DOM, typed just enough (the project compiles without the DOM lib).
    const facts = await page.evaluate((): PageFacts => {
      interface Canvas { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
      interface PageGlobal {
        xstormCharts?: Array<{ canvas: Canvas; options: { plugins: { title: { text: string } } } }>;
        document: { querySelectorAll(selector: string): { length: number } };
      }
      const page = globalThis as unknown as PageGlobal;
      const charts = page.xstormCharts ?? [];
      // Count non-white, non-transparent pixels on each chart's canvas.
      const painted = charts.map((chart) => {
        const canvas = chart.canvas;
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && (data[i]! < 250 || data[i + 1]! < 250 || data[i + 2]! < 250)) n++;
        return n;
      });
      return { charts: charts.length, canvases: page.document.querySelectorAll('canvas').length, painted, titles: charts.map((c) => c.options.plugins.title.text) };
    });
    // chartLayout's source runs in the page; tsx compiles it with esbuild's name-keeping helper, which the page must provide.
    await page.evaluate('globalThis.__name = (f) => f');
    const layouts = await page.evaluate(`(window.xstormCharts || []).map(${chartLayout.toString()})`) as ChartLayout[];
    const text = await page.evaluate('document.body.innerText') as string;
    return { facts, errors, requests, layouts, text };
  } finally {
    await page.close();
  }
}

test('report.html draws every chart with no console errors and no network', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xstorm-html-'));
  try {
    const file = sweepFixture();
    await writeResultsDir(dir, file, { png: false });
    const expected = buildChartSpecs(labelSources([file]));
    const { facts, errors, requests } = await inspect(path.join(dir, 'report.html'));
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    assert.equal(facts.charts, expected.length);
    assert.equal(facts.canvases, expected.length);
    assert.deepEqual(facts.titles, expected.map((spec) => spec.title));
    for (const [i, pixels] of facts.painted.entries()) assert.ok(pixels > 2000, `chart ${expected[i]!.id} drew only ${pixels} pixels`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a comparison report.html draws every chart too', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xstorm-html-'));
  try {
    const files = [sweepFixture(), { ...smallFixture(), id: 'other' }];
    await writeReport(dir, files, { png: false });
    const { facts, errors } = await inspect(path.join(dir, 'report.html'));
    assert.deepEqual(errors, []);
    assert.equal(facts.charts, buildChartSpecs(labelSources(files)).length);
    assert.ok(facts.painted.every((pixels) => pixels > 2000));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('report.html of a bench: every chart reads at a wide and a narrow window; the command is the one typed', { skip }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xstorm-html-'));
  try {
    const file = benchFixture();
    await writeResultsDir(dir, file, { png: false });
    const expected = buildChartSpecs(labelSources([file]));
    for (const width of [1280, 800]) {
      const { facts, errors, layouts, text } = await inspect(path.join(dir, 'report.html'), width);
      assert.deepEqual(errors, []);
      assert.equal(facts.charts, expected.length);
      assert.equal(layouts.length, expected.length);
      assert.ok(layouts.every((layout) => (layout.groups.legend?.length ?? 0) + (layout.groups['y ticks']?.length ?? 0) > 0));
      for (const [i, layout] of layouts.entries()) assert.deepEqual(layoutProblems(layout), [], `${expected[i]!.id} at ${width} px`);
      assert.match(text, /Command: npm run bench\n/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
