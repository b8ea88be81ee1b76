/**
 * The text `xstorm bench` prints: §7.3 per engine and profile with the
 * paper beside it, the band over the unknowns, §7.1 in the paper's terms,
 * and one verdict per experiment. Pure: runs and the main profile in, text
 * out.
 */
import type { RunResult } from '../reports/schema.ts';
import { VARIANT_SEPARATOR } from '../runner/cost/index.ts';
import type { CostProfile } from '../runner/cost/index.ts';
import { benchHeadline, computeBand, p71Figures, PAPER, startFigures } from '../runner/sim/bench.ts';
import type { Band, P71Figures } from '../runner/sim/bench.ts';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Columns padded to their widest cell. */
export function textTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** A trie/tdb ratio; "≥" when trie started every guest of the experiment (160 is its size, not trie's ceiling). */
export function formatRatio(ratio: number | null, trieStartedAll: boolean): string {
  if (ratio === null) return 'n/a';
  return `${trieStartedAll ? '≥ ' : ''}${ratio.toFixed(2)}`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Seconds as "12.3 s" or "14.2 min", with "≥" for a censored (lower-bound) figure. */
function duration(s: number, lowerBound: boolean): string {
  const text = s >= 120 ? `${(s / 60).toFixed(1)} min` : s >= 10 ? `${s.toFixed(0)} s` : `${s.toFixed(2)} s`;
  return `${lowerBound ? '≥ ' : ''}${text}`;
}

function p73Table(runs: readonly RunResult[]): string {
  const rows: string[][] = [['§7.3 engine', 'profile', 'started within cap', 'last start', 'livelocked at', 'max sustained', 'abort rate', 'paper']];
  for (const r of runs) {
    const f = startFigures(r);
    const paper = r.engine === 'tdb' ? PAPER['7.3'].tdb.note : r.engine === 'trie' ? PAPER['7.3'].trie.note : '(not in the paper)';
    rows.push([
      r.engine, f.profile, `${f.started} / ${f.guests}`,
      f.lastStartS === null ? '-' : `${(f.lastStartS / 60).toFixed(1)} min`,
      f.livelockedAt === null ? '-' : `guest ${f.livelockedAt}`,
      String(f.maxSustainedGuests), pct(f.abortRate), paper,
    ]);
  }
  return textTable(rows);
}

function bandText(band: Band, guests: number): string {
  const rows: string[][] = [['unknown', 'end', 'assumption', 'TDB copy', 'tdb knee', 'trie started', 'trie/tdb']];
  const copy = (usPerByte: number | null) => (usPerByte ? `${(1 / usPerByte).toFixed(0)} MB/s` : '-');
  for (const e of band.ends) {
    rows.push([e.unknown, e.id, e.label, copy(e.copyUsPerByte), String(e.tdbKnee), String(e.trieStarted), formatRatio(e.ratio, e.trieStarted === guests)]);
  }
  return textTable(rows);
}

function p71Table(runs: readonly RunResult[]): string {
  const rows: string[][] = [['§7.1 engine', 'profile', 'attempts/s (paper)', 'commits/s', 'abort rate', 'mean delay', 'p99 delay', 'max delay', 'clients finished', 'commits/client']];
  for (const r of runs) {
    const f: P71Figures = p71Figures(r);
    const paper = r.engine === 'tdb' ? ` (${PAPER['7.1'].tdb})` : r.engine === 'trie' ? ` (${PAPER['7.1'].trie})` : '';
    rows.push([
      r.engine, r.profile ?? '-', `${f.attemptsPerS.toFixed(1)}${paper}`, f.commitsPerS.toFixed(1), pct(f.abortRate),
      duration(f.meanDelayS, f.delayCensored), duration(f.p99DelayS, f.delayCensored), duration(f.maxDelayS, f.delayCensored),
      `${f.clientsFinished} / ${f.clients}`, `${f.commitsPerClient.min}–${f.commitsPerClient.max}`,
    ]);
  }
  return textTable(rows);
}

/** The printed headline of `xstorm bench`. */
export function headlineText(runs: readonly RunResult[], main: CostProfile): string {
  const lines: string[] = [];
  const headline = benchHeadline(runs, main);
  const p73 = runs.filter((r) => r.scenario === 'paper-7.3' && !r.profile?.includes(VARIANT_SEPARATOR) && r.params['toolstack'] !== 'libxl-4.4');
  const toolstack = p73[0]?.params['toolstack'] ?? '-';
  lines.push(`§7.3: guests started one after another (${toolstack} toolstack), each looping 1 s transactions; 20-min cap`);
  lines.push(p73Table(p73));
  const byProfile = new Map<string, RunResult[]>();
  for (const r of p73) byProfile.set(r.profile ?? '', [...(byProfile.get(r.profile ?? '') ?? []), r]);
  for (const [profile, list] of byProfile) {
    const tdb = list.find((r) => r.engine === 'tdb');
    const trie = list.find((r) => r.engine === 'trie');
    if (!tdb || !trie) continue;
    const t = startFigures(tdb).maxSustainedGuests;
    const o = startFigures(trie).maxSustainedGuests;
    lines.push(`trie/tdb (${profile}): ${formatRatio(t > 0 ? o / t : null, o === trie.guests)}   [paper: 160 / < 70, "a factor of 3"; livelock near 40]`);
  }
  const band = computeBand(runs, main);
  const centralTrie = p73.find((r) => r.engine === 'trie' && r.profile === main.name);
  if (band && centralTrie) {
    const all = centralTrie.guests;
    lines.push('');
    lines.push(`Band (${main.name}): tdb knee ${band.tdbKnee.central} [${band.tdbKnee.low} – ${band.tdbKnee.high}], `
      + `trie/tdb ${formatRatio(band.ratio.central, startFigures(centralTrie).started === all)} [${band.ratio.low?.toFixed(2) ?? 'n/a'} – ${band.ratio.high?.toFixed(2) ?? 'n/a'}]`
      + '  (each unknown at each end, the others central; every price fitted to §7.1 only, §7.3 predicted)');
    lines.push(bandText(band, all));
  }
  const p71 = runs.filter((r) => r.scenario === 'paper-7.1');
  if (p71.length) {
    lines.push('');
    const layout = p71[0]!.params['layout'] ?? '-';
    lines.push(`§7.1: ${p71[0]!.guests} clients × ${p71[0]!.params['transactions']} transactions (read shared, write own; ${layout} store, think ${p71[0]!.params['thinkUs']} µs), cap ${p71[0]!.durationS.toFixed(0)} s; "≥": transactions still waiting at the cap counted at their wait so far`);
    lines.push(p71Table(p71));
    lines.push(`Reading: ${PAPER['7.1'].reading}`);
  }
  lines.push('', ...verdicts(runs, main, headline.band as Band | undefined));
  return lines.join('\n');
}

/** One line per experiment: does the main profile reproduce the paper, and where not, why. */
function verdicts(runs: readonly RunResult[], main: CostProfile, band: Band | undefined): string[] {
  const out: string[] = [];
  const central = runs.filter((r) => r.scenario === 'paper-7.3' && r.profile === main.name && r.params['toolstack'] !== 'libxl-4.4');
  const tdb = central.find((r) => r.engine === 'tdb');
  const trie = central.find((r) => r.engine === 'trie');
  const paperSized = (r: RunResult) => r.guests === 160 && (r.params['timeScale'] ?? 1) === 1;
  if (tdb && trie && !(paperSized(tdb) && paperSized(trie))) {
    out.push(`§7.3 reduced run (${tdb.guests} guests, timeScale ${tdb.params['timeScale']}): no comparison with the paper's figures.`);
  } else if (tdb && trie) {
    const t = startFigures(tdb);
    const o = startFigures(trie);
    const kneeOk = t.started >= 30 && t.started <= 50;
    const ratioOk = t.started > 0 && o.started / t.started >= 3;
    const trieOk = o.started === o.guests && (o.lastStartS ?? Infinity) < 360;
    out.push(`§7.3 with ${main.name}: tdb knee ${t.started} ${kneeOk ? 'is within' : 'is NOT within'} the paper's livelock near 40 (30–50); `
      + `trie started ${o.started} in ${((o.lastStartS ?? 0) / 60).toFixed(1)} min ${trieOk ? '(paper: all 160 in < 6 min)' : '(paper: all 160 in < 6 min: NOT reproduced)'}; `
      + `trie/tdb ${ratioOk ? '≥ 3 as in the paper' : 'below the paper\'s factor of 3'}.`);
    if (band) out.push(`§7.3 band over the unknowns: tdb knee ${band.tdbKnee.low}–${band.tdbKnee.high}, trie/tdb ${band.ratio.low?.toFixed(2)}–${band.ratio.high?.toFixed(2)}.`);
  }
  const t71 = runs.find((r) => r.scenario === 'paper-7.1' && r.engine === 'tdb' && r.profile === main.name);
  const o71 = runs.find((r) => r.scenario === 'paper-7.1' && r.engine === 'trie' && r.profile === main.name);
  if (t71 && o71 && t71.guests !== 128) {
    out.push(`§7.1 reduced run (${t71.guests} clients): no comparison with the paper's figures.`);
  } else if (t71 && o71) {
    const t = p71Figures(t71);
    const o = p71Figures(o71);
    const near = (x: number, y: number, tolerance: number) => Math.abs(x - y) / y <= tolerance;
    out.push(`§7.1 with ${main.name}: trie ${o.attemptsPerS.toFixed(0)}/s (paper 700, fitted) ${near(o.attemptsPerS, 700, 0.02) ? 'matches' : 'does NOT match'}; `
      + `tdb ${t.attemptsPerS.toFixed(0)} attempts/s (paper 300, fitted) ${near(t.attemptsPerS, 300, 0.25) ? 'matches' : 'does NOT match'}, of which ${t.commitsPerS.toFixed(1)} commit; `
      + `tdb mean delay ${duration(t.meanDelayS, t.delayCensored)} (paper > 10 s) and worst ${duration(t.maxDelayS, t.delayCensored)} (paper > 12 min)`
      + `${t.meanDelayS > PAPER['7.1'].tdbMeanDelayS && t.maxDelayS > PAPER['7.1'].tdbMaxDelayS ? ': as the paper saw' : ': NOT as the paper saw'}.`);
  }
  return out;
}
