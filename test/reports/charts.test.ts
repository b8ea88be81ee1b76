/**
 * Chart specs and their Chart.js configurations: the paper's figure (cap,
 * livelocks, the paper's reference, the band), bars that say "did not
 * finish", log₂ sweeps with the SLO, knee charts, the metric registry's
 * completion time, and the "≥" of a headline whose grid top sustained.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LEGEND_FILTER_JS, METRICS, bandEndKeys, bandSeries, buildChartSpecs, computeHeadline, formatBounded, geometricGrid, headlineRatio, kneeChart, labelSources,
  legendFilter, ratioBound, runsTable, sameLength, startTimeBand, sustainedAtTop, toChartConfig, type ChartSpec, type ResultsFile,
} from '../../reports/index.ts';
import { benchFixture, makeRun, paperRun, shortTxnRun, smallFixture, sweepFixture } from './fixtures.ts';

const chart = (specs: readonly ChartSpec[], id: string): ChartSpec => {
  const spec = specs.find((s) => s.id === id);
  assert.ok(spec, `no chart ${id} among ${specs.map((s) => s.id).join(', ')}`);
  return spec;
};

test('the paper figure: one series per engine × profile, the paper approximate, the cap, each livelock, the band', () => {
  const specs = buildChartSpecs(labelSources([benchFixture()]));
  assert.deepEqual(specs.map((s) => s.id), [
    'goodput-paper-7.1', 'abort-rate-paper-7.1', 'p99-latency-paper-7.1', 'completion-time-paper-7.1', 'retries-paper-7.1',
    'goodput-paper-7.3', 'abort-rate-paper-7.3', 'p99-latency-paper-7.3', 'completion-time-paper-7.3', 'retries-paper-7.3',
    'cumulative-start-paper-7.3', 'knee-copy-price',
  ]);
  const starts = chart(specs, 'cumulative-start-paper-7.3');
  assert.equal(starts.yLabel, 'Cumulative start time (min)');
  assert.equal(starts.subtitle, 'simulated, profiles xen-2009, calibrated-fixturehost');
  assert.deepEqual(starts.series.map((s) => [s.label, s.kind ?? 'measured', s.points.length]), [
    ['tdb · xen-2009', 'measured', 65], ['trie · xen-2009', 'measured', 160], ['tdb-pernode · xen-2009', 'measured', 160], ['trie-replay · xen-2009', 'measured', 160],
    ['tdb · calibrated', 'measured', 160], ['trie · calibrated', 'measured', 160], ['tdb-pernode · calibrated', 'measured', 160], ['trie-replay · calibrated', 'measured', 160],
    ['paper (approx.): oxenstored', 'reference', 160], ['paper (approx.): cxenstored', 'reference', 30],
    ['tdb · xen-2009 band (low edge)', 'band', 160], ['tdb · xen-2009 band', 'band', 160],
    ['trie · xen-2009 band (low edge)', 'band', 160], ['trie · xen-2009 band', 'band', 160],
  ]);
  // The paper: ~2 s per guest, in minutes; oxenstored's 160th at 320 s (< 6 min).
  assert.deepEqual(starts.series[8]!.points.at(-1), { x: 160, y: 5.3333 });
  assert.deepEqual(starts.series[9]!.points.at(-1), { x: 30, y: 1 });
  assert.deepEqual(starts.lines, [
    { axis: 'y', value: 20, label: 'cap: 20 min', kind: 'cap' },
    { axis: 'x', value: 40, from: 0, to: 20, label: 'paper: livelock ≈ 40', kind: 'paper' },
  ]);
  assert.deepEqual(starts.marks, [
    { x: 66, y: 20, label: 'tdb · xen-2009:\nguest 66 never starts', engine: 'tdb', kind: 'livelock' },
    { x: 70, y: 20, label: 'paper: cxenstored never\nstarts guest 70 in 20 min', kind: 'paper' },
  ]);
  assert.equal(starts.marksAbove, 20);
  // The tdb band: the copy-low end below, the copy-high end above until it stops at 44, then the cap.
  // The band's ends: the profile variants and the toolstack end (the central profile, other parameters); not the central trie run an end reuses.
  assert.deepEqual([...bandEndKeys(benchFixture())].map((key) => key.replace('paper-7.3/sleepS=1/', '')).sort(), [
    'tdb/g160/r0/profile=xen-2009/toolstack=libxl-4.4', 'tdb/g160/r0/profile=xen-2009~copy-high', 'tdb/g160/r0/profile=xen-2009~copy-low',
    'trie/g160/r0/profile=xen-2009/toolstack=libxl-4.4', 'trie/g160/r0/profile=xen-2009~copy-low',
  ]);
  const high = starts.series.find((s) => s.id === 'band-0-tdb-high')!;
  assert.equal(high.fillTo, 'band-0-tdb-low');
  assert.deepEqual(high.points.slice(43, 46).map((p) => p.y), [high.points[43]!.y, 20, 20]);
  assert.ok(high.points[43]!.y < 20);
});

test('the paper curve is left out of reduced runs, and said so', () => {
  const reduced = (engine: string) => {
    const run = paperRun(engine);
    return { ...run, params: { sleepS: 1, timeScale: 0.25, capS: 600 }, guestStarts: run.guestStarts!.map((s) => ({ ...s, timeS: s.timeS / 10 })) };
  };
  const file: ResultsFile = { ...smallFixture(), runs: [reduced('trie'), reduced('tdb')] };
  const starts = chart(buildChartSpecs(labelSources([file])), 'cumulative-start-paper-7.3');
  assert.ok(starts.series.every((s) => s.kind !== 'reference'));
  assert.equal(starts.subtitle, 'simulated, profile xen-2009; reduced run: the paper\'s curve is not drawn');
  assert.deepEqual(starts.lines, [{ axis: 'y', value: 150, label: 'cap: 150 s', kind: 'cap' }]);
  assert.equal(starts.yLabel, 'Cumulative start time (s)');
});

test('startTimeBand: the earliest and the latest k-th start over the ends, the cap where an end never started k', () => {
  const end = (times: number[]) => makeRun({ scenario: 'paper-7.3', engine: 'tdb', guests: 4, goodput: 1, abortRate: 0, p50Ms: 1, p99Ms: 1, sustained: times.length === 4, guestStarts: times.map((timeS, i) => ({ guest: i + 1, timeS })) });
  const band = startTimeBand([end([2, 4, 6, 8]), end([3, 7]), end([1, 5, 9])], 100);
  assert.deepEqual(band, {
    low: [{ x: 1, y: 1 }, { x: 2, y: 4 }, { x: 3, y: 6 }, { x: 4, y: 8 }],
    high: [{ x: 1, y: 3 }, { x: 2, y: 7 }, { x: 3, y: 100 }, { x: 4, y: 100 }],
  });
  const [low, high] = bandSeries(band, { id: 'b', label: 'tdb band', engine: 'tdb' });
  assert.deepEqual([low.id, low.hideInLegend, high.id, high.fillTo, high.label], ['b-low', true, 'b-high', 'b-low', 'tdb band']);
  // In the Chart.js configuration the upper edge fills to the lower one's dataset and the lower edge leaves the legend.
  const config = toChartConfig({ id: 'x', title: 'x', xLabel: 'k', yLabel: 's', xLog: false, series: [low, high] }, { scale: 1 });
  const datasets = config.data.datasets as Array<Record<string, unknown>>;
  assert.deepEqual(datasets[1]!.fill, { target: 0, above: 'rgba(213, 94, 0, 0.2)', below: 'rgba(213, 94, 0, 0.2)' });
  assert.equal(datasets[0]!.xstormHideInLegend, true);
});

test('kneeChart: knee against a parameter, the paper\'s ~40 and the setting marked', () => {
  const spec = kneeChart({
    id: 'copy-price', parameter: 'TDB copy price', unit: 'µs/byte', log: true,
    series: [{ engine: 'tdb', points: [{ x: 0.05, y: 44 }, { x: 0.001, y: 160 }] }],
    reference: { y: 40, label: 'paper: livelock near 40' }, setting: { x: 0.02, label: 'xen-2009 profile' }, top: 160,
  });
  assert.deepEqual(spec, {
    id: 'knee-copy-price', title: 'Knee vs TDB copy price', xLabel: 'TDB copy price (µs/byte, log scale)', yLabel: 'Guests started within the cap', xLog: true,
    series: [{ label: 'tdb', engine: 'tdb', sourceIndex: 0, variant: 0, points: [{ x: 0.001, y: 160 }, { x: 0.05, y: 44 }] }],
    lines: [
      { axis: 'y', value: 160, label: 'all 160 guests started', kind: 'cap' },
      { axis: 'y', value: 40, label: 'paper: livelock near 40', kind: 'paper', labelAt: 'end', labelSide: 'below' },
      // On a log axis 0.02 lies right of the middle of 0.001..0.05: its label goes left of the line.
      { axis: 'x', value: 0.02, label: 'xen-2009 profile', kind: 'slo', labelAcross: 'left' },
    ],
  });
});

test('bars: one row per engine × profile, a value label on every bar, "did not finish" instead of a bar at the cap', () => {
  const specs = buildChartSpecs(labelSources([benchFixture()]));
  const completion = chart(specs, 'completion-time-paper-7.1');
  assert.deepEqual(completion.bars!.map((bar) => [bar.label, bar.value, bar.unfinished]), [
    ['tdb', 100, 'did not finish within 100 s (cap)'], ['trie', 91.4, undefined], ['tdb-pernode', 91.4, undefined], ['trie-replay', 91.7, undefined],
  ]);
  const config = toChartConfig(completion, { scale: 1 });
  assert.equal(config.type, 'bar');
  assert.equal((config.options as { indexAxis?: string }).indexAxis, 'y');
  assert.deepEqual(config.data.datasets[0]!.data, [null, 91.4, 91.4, 91.7]);
  const labels = (config.options.plugins as unknown as { annotation: { annotations: Record<string, { content: unknown; xValue: number }> } }).annotation.annotations;
  assert.deepEqual(Object.values(labels).map((a) => a.content), ['did not finish within 100 s (cap)', '91.4', '91.4', '91.7']);
  // The §7.1 tdb goodput bar (2.2 beside 700) carries its value outside the bar.
  const goodput = toChartConfig(chart(specs, 'goodput-paper-7.1'), { scale: 1 });
  const tiny = (goodput.options.plugins as unknown as { annotation: { annotations: Record<string, Record<string, unknown>> } }).annotation.annotations['bar-0']!;
  assert.deepEqual([tiny.content, tiny.xValue, tiny.position, tiny.color], ['2.2', 2.2, { x: 'start', y: 'center' }, '#222222']);
  const abort = chart(specs, 'abort-rate-paper-7.3');
  assert.deepEqual(abort.bars!.map((bar) => bar.label), ['tdb · xen-2009', 'trie · xen-2009', 'tdb-pernode · xen-2009', 'trie-replay · xen-2009', 'tdb · calibrated', 'trie · calibrated', 'tdb-pernode · calibrated', 'trie-replay · calibrated']);
  assert.deepEqual([abort.valueSuffix, abort.valueMax], [' %', 100]);
  assert.deepEqual(abort.bars!.map((bar) => bar.variant), [0, 0, 0, 0, 1, 1, 1, 1]);
  const started = chart(specs, 'completion-time-paper-7.3');
  assert.equal(started.bars![0]!.unfinished, 'did not finish within 20 min (cap)');
});

test('sweeps: a doubling grid is a log₂ axis, p99 has the SLO line, completion time needs runs of different lengths', () => {
  const runs = [1, 2, 4, 8, 16].flatMap((guests) => ['tdb', 'trie'].map((engine) => ({ ...shortTxnRun(engine, guests), params: { sharedFraction: 0.1, p99Ms: 100 }, durationS: guests % 4 ? 2 : 1.9999999999999998 })));
  const file: ResultsFile = { ...smallFixture(), kind: 'sweep', runs, headline: computeHeadline(runs) };
  const specs = buildChartSpecs(labelSources([file]));
  assert.deepEqual(specs.map((s) => s.id), ['goodput-short-txn', 'abort-rate-short-txn', 'p99-latency-short-txn', 'retries-short-txn']);
  const p99 = chart(specs, 'p99-latency-short-txn');
  assert.deepEqual(p99.xCategories, [1, 2, 4, 8, 16]);
  assert.equal(p99.xLabel, 'Guests (concurrent domains, log₂ scale)');
  assert.deepEqual(p99.lines, [{ axis: 'y', value: 100, label: 'SLO: p99 ≤ 100 ms', kind: 'slo' }]);
  const config = toChartConfig(p99, { scale: 1 });
  assert.deepEqual((config.options.scales.x as { labels?: string[] }).labels, ['1', '2', '4', '8', '16']);
  assert.deepEqual((config.data.datasets[0]!.data as Array<{ x: number }>).map((p) => p.x), [0, 1, 2, 3, 4]);
  assert.ok(sameLength(1.9999999999999998, 2) && !sameLength(2, 2.001));
  // Fixed-work runs that ended at different times: a completion-time chart, unfinished runs left out.
  const fixed = runs.map((run) => ({ ...run, durationS: run.engine === 'trie' ? 1.5 : 2, slo: { ...run.slo, ok: run.engine === 'trie' } }));
  const completion = chart(buildChartSpecs(labelSources([{ ...file, runs: fixed }])), 'completion-time-short-txn');
  assert.deepEqual(completion.series.map((s) => [s.label, s.points.length]), [['tdb', 0], ['trie', 5]]);
  assert.equal(completion.subtitle, 'simulated, profile xen-2009; no point where a run did not finish within its cap');
  assert.deepEqual(geometricGrid([1000, 100000, 10000]), { values: [1000, 10000, 100000], factor: 10 });
  assert.equal(geometricGrid([1, 10, 20, 40]), undefined);
});

test('the metric registry: completion time only for a finished run; retries over every transaction', () => {
  const fixture = benchFixture();
  const p71 = fixture.runs.filter((run) => run.scenario === 'paper-7.1');
  assert.equal(METRICS.completionTime.read(p71[0]!, p71), undefined);
  assert.deepEqual(METRICS.completionTime.unfinished!(p71[0]!, p71), { capS: 100 });
  assert.equal(METRICS.completionTime.read(p71[1]!, p71), 91.4);
  assert.equal(METRICS.completionTime.read(p71[1]!), undefined, 'without its peers a fixed-work run has no completion time');
  const tdb73 = fixture.runs.find((run) => run.scenario === 'paper-7.3' && run.engine === 'tdb')!;
  assert.equal(METRICS.completionTime.read(tdb73), undefined);
  assert.deepEqual(METRICS.completionTime.unfinished!(tdb73), { capS: 1200 });
  assert.equal(METRICS.guestsStarted.read(tdb73), 65);
  assert.deepEqual(Object.values(METRICS).map((m) => [m.id, m.csvColumn, m.better]), [
    ['goodput', 'goodput', 'higher'], ['abortRate', 'abortRate', 'lower'], ['p99Latency', 'latencyP99Ms', 'lower'],
    ['completionTime', 'completionTimeS', 'lower'], ['retriesMean', 'retriesMean', 'lower'], ['guestsStarted', 'guestsStarted', 'higher'],
  ]);
});

test('headline: "≥" where the top of the grid still sustained', () => {
  assert.deepEqual(sustainedAtTop(sweepFixture()), { tdb: false, trie: true, 'tdb-pernode': true, 'trie-replay': true });
  assert.deepEqual(headlineRatio(sweepFixture()), { ratio: 4, bound: 'atLeast', text: '≥ 4.00' });
  assert.deepEqual(headlineRatio(benchFixture()).text, '≥ 2.46');
  assert.equal(headlineRatio(smallFixture()).text, 'n/a (both at the top of the grid)');
  assert.equal(formatBounded(64, ratioBound(true, false)), '≥ 64.00');
  assert.equal(formatBounded(0.5, ratioBound(false, true)), '≤ 0.50');
  assert.equal(formatBounded(null), 'n/a');
});

test('the legend filter of the HTML page is the Node one', () => {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const page = new Function(`return (${LEGEND_FILTER_JS});`)() as typeof legendFilter;
  const data = { datasets: [{ borderDash: [6, 3], borderWidth: 5, borderColor: '#D55E00' }, { xstormHideInLegend: true }, {}] };
  for (const datasetIndex of [0, 1, 2, undefined]) {
    const a: Record<string, unknown> = { datasetIndex, lineDash: [], lineWidth: 1, strokeStyle: 'x' };
    const b: Record<string, unknown> = { ...a };
    assert.equal(page(b, data), legendFilter(a, data));
    assert.deepEqual(b, a);
  }
  assert.deepEqual([legendFilter({ datasetIndex: 0 }, data), legendFilter({ datasetIndex: 1 }, data)], [true, false]);
});

test('p99 latency counts transactions still open at the end, and says "≥" where they raise it', () => {
  const file = benchFixture();
  const stuck = (run: ResultsFile['runs'][number]) => run.scenario === 'paper-7.1' && run.engine === 'tdb';
  const runs = file.runs.map((run) => (stuck(run) ? {
    ...run,
    openTxns: { count: 120, meanWaitMs: 700_000, maxWaitMs: 800_000 },
    latencyWithOpen: { ...run.latency, count: run.latency.count + 120, p99: 800_000, max: 800_000 },
  } : run));
  const withOpen: ResultsFile = { ...file, runs };
  const tdb = runs.find(stuck)!;
  assert.equal(METRICS.p99Latency.read(tdb), 800_000);
  assert.equal(METRICS.p99Latency.lowerBound!(tdb), true);
  assert.equal(METRICS.p99Latency.lowerBound!(runs.find((run) => run.scenario === 'paper-7.1' && run.engine === 'trie')!), false);
  const p99 = chart(buildChartSpecs(labelSources([withOpen])), 'p99-latency-paper-7.1');
  assert.deepEqual(p99.bars!.map((bar) => bar.lowerBound ?? false), [true, false, false, false]);
  const labels = (toChartConfig(p99, { scale: 1 }).options.plugins as unknown as { annotation: { annotations: Record<string, { content: unknown }> } }).annotation.annotations;
  assert.match(String(labels['bar-0']!.content), /^≥ 800$/);
  const table = runsTable(labelSources([withOpen]));
  const column = table.header.findIndex((h) => h.startsWith('p99'));
  const row = table.rows.find((r) => r.includes('paper-7.1') && r.includes('tdb'))!;
  assert.match(row[column]!, /^≥ 800,?000/);
});
