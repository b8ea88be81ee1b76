/**
 * What `xstorm bench --today` prints and keeps: the report data stored in
 * the results file's headline (`headline.today`), the titled tables, and
 * their rendering as aligned text (console) and Markdown (`today.md`).
 */
import { markdownTable } from '../../reports/markdown.ts';
import type { Headline } from '../../reports/schema.ts';
import type { Table } from '../../reports/tables.ts';
import { computeHeadline } from '../../reports/headline.ts';
import { describeStop } from './budget.ts';
import type { PhaseAccount, Stop } from './budget.ts';
import type { TodayConfig } from './defaults.ts';
import {
  agentChatterTable, agreementRows, agreementTable, bootStormTable, censusTable, exponentRows, exponentTable,
  mechanismRows, mechanismTable, profileRows, profileTable, replayRows, replayTable,
} from './figures.ts';
import type { AgreementRow, ExponentRow, MechanismRow, ProfileRow, ReplayRow, TitledTable } from './figures.ts';
import type { TodayMeasurements } from './run.ts';

/** The bench's findings as data (results.json `headline.today`). */
export interface TodayReport {
  readonly exponents: ReadonlyArray<Omit<ExponentRow, 'law'> & { exponent: number | null; r2: number | null }>;
  readonly agreement: readonly AgreementRow[];
  readonly mechanism: { readonly domains: number; readonly variants: readonly MechanismRow[]; readonly census: ReadonlyArray<{ node: string; conflicts: number }> };
  readonly replay2016: { readonly rows: readonly ReplayRow[]; readonly published: TodayConfig['replay2016']['published'] & { ratio: number } };
  readonly profiles: ReadonlyArray<{ daemon: string; engine: string; profile: string; probe: string }>;
  readonly profileRows: readonly ProfileRow[];
  readonly budget: { readonly totalS: number; readonly phases: readonly PhaseAccount[]; readonly stops: readonly Stop[] };
  readonly realDaemons: { readonly used: boolean; readonly reason?: string };
  readonly failures: readonly string[];
  readonly load: { readonly before: readonly number[]; readonly after: readonly number[] };
}

/** Computes the report data from what was measured. */
export function buildTodayReport(m: TodayMeasurements, config: TodayConfig): TodayReport {
  const pub = config.replay2016.published;
  const profiles = m.daemonProfiles.map((p) => ({ daemon: p.daemon, engine: p.calibration.engine, profile: p.calibration.profile.name, probe: p.calibration.probe }));
  return {
    exponents: exponentRows(m.cells).map(({ law, ...rest }) => ({ ...rest, exponent: law?.exponent ?? null, r2: law?.r2 ?? null })),
    agreement: agreementRows(m.cells, config),
    mechanism: { domains: config.mechanism.domains, variants: mechanismRows(m.cells, config), census: m.census },
    replay2016: { rows: replayRows(m.cells, config), published: { ...pub, ratio: pub.withoutReplayS / pub.withReplayS } },
    profiles,
    profileRows: profileRows(m.cells, config, profiles),
    budget: { totalS: m.budget.totalS, phases: m.budget.accounts, stops: m.budget.stops },
    realDaemons: m.realDaemons,
    failures: m.failures,
    load: m.load,
  };
}

/**
 * The results file's headline: the largest N at which every boot-storm
 * domain started within the cap, per target (grid cells), trie-replay over
 * tdb-pernode, and the report.
 */
export function todayHeadline(m: TodayMeasurements, report: TodayReport): Headline {
  const grid = m.cells.filter((c) => c.role === 'grid').map((c) => c.run);
  const base = computeHeadline(grid, { scenario: 'boot-storm', ratio: ['trie-replay', 'tdb-pernode'] });
  return {
    ...base,
    definition: 'boot-storm: the largest N such that at it and every smaller N tried, every domain started within the cap (real daemons: every repetition); ratio = trie-replay / tdb-pernode',
    today: report,
  };
}

function sentence(report: TodayReport, config: TodayConfig): string[] {
  const lines: string[] = [];
  for (const e of report.exponents.filter((x) => x.scenario === 'boot-storm' && x.figure === 'EAGAIN per domain' && x.exponent !== null)) {
    lines.push(`${e.target}: EAGAIN per domain grows like N^${e.exponent!.toFixed(2)}, so the total like N^${(e.exponent! + 1).toFixed(2)} (${e.growth}).`);
  }
  const agreed = report.agreement.filter((a) => a.within).length;
  if (report.agreement.length) lines.push(`Model vs real daemon (EAGAIN and requests per domain within ${(config.agreementTolerance * 100).toFixed(0)} %): ${agreed} of ${report.agreement.length} cells.`);
  const total = report.mechanism.census.reduce((t, e) => t + e.conflicts, 0);
  const top = report.mechanism.census[0];
  if (top && total) lines.push(`Refused commits in the simulated ${config.mechanism.engine} boot storm at N = ${config.mechanism.domains}: ${((top.conflicts / total) * 100).toFixed(0)} % find ${top.node} changed first (its child list).`);
  const at = report.replay2016.rows.find((r) => r.n === config.replay2016.published.domains && r.ratio !== null);
  const best = at ?? report.replay2016.rows.filter((r) => r.ratio !== null).at(-1);
  if (best?.ratio) lines.push(`2016 replay: ${best.n} parallel starts and stops, trie ${best.withoutS?.toFixed(2)} s vs trie-replay ${best.withS?.toFixed(2)} s = ${best.ratio.toFixed(1)}x (published: ${report.replay2016.published.ratio.toFixed(1)}x at ${config.replay2016.published.domains}).`);
  const checks = report.profileRows.filter((r) => r.kind === 'check' && r.within !== null);
  if (checks.length) lines.push(`Real-daemon profiles: simulated time to start all within ${(config.check.tolerance * 100).toFixed(0)} % of the real wall time in ${checks.filter((r) => r.within).length} of ${checks.length} cells.`);
  return lines;
}

/** The cost profile of the grid's simulated cells. */
function profileOf(m: TodayMeasurements): string {
  return m.cells.find((c) => c.role === 'grid' && c.run.driver === 'sim')?.run.profile ?? '–';
}

/** The titled tables of the report, in reading order. */
export function todayTables(m: TodayMeasurements, report: TodayReport, config: TodayConfig): TitledTable[] {
  const tables: TitledTable[] = [
    { id: 'boot-storm', title: `Boot storm: N domains started at once (sim: profile ${profileOf(m)}; real: Xen 4.17 daemons in real time, medians)`, table: bootStormTable(m.cells), notes: [] },
    { id: 'agent-chatter', title: `Agent chatter: N agents write every ${(60 * (Number(config.scenarios['agent-chatter'].params['timeScale'] ?? 1))).toFixed(0)} s while dom0 creates and destroys domains (${config.scenarios['agent-chatter'].durationS} s)`, table: agentChatterTable(m.cells), notes: [] },
    { id: 'exponents', title: 'Growth with N: power laws fitted to the per-domain figures (log-log least squares)', table: exponentTable(exponentRows(m.cells)), notes: [] },
  ];
  if (report.agreement.length) tables.push({ id: 'agreement', title: `Model vs real daemon, boot storm (within ${(config.agreementTolerance * 100).toFixed(0)} %)`, table: agreementTable(report.agreement), notes: [] });
  tables.push({
    id: 'mechanism',
    title: `Why starts conflict: boot storm at N = ${config.mechanism.domains}, variants (real daemon: one run each)`,
    table: mechanismTable(report.mechanism.variants, config),
    notes: [],
  });
  if (report.mechanism.census.length) tables.push({ id: 'census', title: `Which node refuses the commit (${config.mechanism.engine}, N = ${config.mechanism.domains}, libxl variant)`, table: censusTable(report.mechanism.census), notes: [] });
  if (report.replay2016.rows.length) tables.push({ id: 'replay-2016', title: `The 2016 replay commit: parallel VM starts and stops, trie (oxenstored before it) vs trie-replay (sim, profile ${profileOf(m)})`, table: replayTable(report.replay2016.rows, config), notes: [] });
  if (report.profileRows.length) {
    tables.push({
      id: 'real-profiles',
      title: 'Real daemons priced from their sockets (xstorm calibrate --target socket:), simulated with their models; rows beyond this machine\'s real runs are EXTRAPOLATION',
      table: profileTable(report.profileRows),
      notes: report.profiles.map((p) => `${p.daemon} → ${p.engine}, profile ${p.profile}: ${p.probe}`),
    });
  }
  return tables;
}

/** Plain aligned text for a table. */
export function textTable(table: Table): string {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (table.align[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function footer(report: TodayReport): string[] {
  const lines: string[] = [];
  lines.push(`Real daemons: ${report.realDaemons.used ? 'yes' : `no (${report.realDaemons.reason ?? 'not asked for'})`}. Load average (1, 5, 15 min) before ${report.load.before.map((l) => l.toFixed(2)).join(' ')}, after ${report.load.after.map((l) => l.toFixed(2)).join(' ')}.`);
  lines.push(`Budget ${report.budget.totalS.toFixed(0)} s: ${report.budget.phases.map((p) => `${p.phase} ${p.usedS.toFixed(0)}/${p.budgetS.toFixed(0)} s`).join(', ')}.`);
  for (const stop of report.budget.stops) lines.push(`Stopped: ${describeStop(stop)}.`);
  for (const f of report.failures) lines.push(`Failed: ${f}.`);
  return lines;
}

/** The console text: every table with its title, the findings in sentences, the budget and load. */
export function renderTodayText(tables: readonly TitledTable[], report: TodayReport, config: TodayConfig): string {
  const parts: string[] = [];
  for (const t of tables) {
    parts.push(t.title, textTable(t.table), ...t.notes.map((n) => `  ${n}`), '');
  }
  parts.push(...sentence(report, config), '', ...footer(report));
  return parts.join('\n');
}

/** `today.md` beside results.json: the same tables and figures for a report or the README. */
export function renderTodayMarkdown(tables: readonly TitledTable[], report: TodayReport, config: TodayConfig, chartFiles: ReadonlyArray<{ file: string; title: string }>): string {
  const parts: string[] = ['# Today\'s daemons (xstorm bench --today)', ''];
  for (const t of tables) parts.push(`## ${t.title}`, '', markdownTable(t.table), '', ...t.notes.map((n) => `- ${n}`), ...(t.notes.length ? [''] : []));
  if (chartFiles.length) {
    parts.push('## Figures', '');
    for (const c of chartFiles) parts.push(`![${c.title}](${c.file})`, '');
  }
  parts.push('## Findings', '', ...sentence(report, config).map((s) => `- ${s}`), '', '## Budget and load', '', ...footer(report).map((s) => `- ${s}`), '');
  return parts.join('\n');
}
