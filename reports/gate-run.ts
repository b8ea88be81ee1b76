/**
 * The whole `xstorm gate` job as a function (the CLI command is a thin
 * wrapper): read the results and the baseline, compare, format, and
 * optionally make the results the new baseline.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ReportInputError } from './errors.ts';
import { DEFAULT_GATE_CONFIG, compareResults, formatGateReport, gateExitCode, readGateConfig, type GateReport } from './gate.ts';
import { readResultsFile, resultsJsonPath, serializeResultsFile, RESULTS_JSON } from './io.ts';
import { writeFileAtomic } from './atomic.ts';

/** Options of {@link runGate}, as the CLI takes them. */
export interface RunGateOptions {
  /** Results directory or results.json. */
  readonly results: string;
  /** Baseline directory (e.g. results/baseline). */
  readonly baseline: string;
  /** Thresholds JSON file. */
  readonly config?: string;
  /** After comparing (if a baseline exists), copy results.json and summary.md into the baseline. */
  readonly updateBaseline?: boolean;
  /** Exit 0 when nothing could be judged. */
  readonly allowNoVerdict?: boolean;
  /** Output the report as JSON instead of tables. */
  readonly json?: boolean;
}

/** What the gate printed and how it exits. */
export interface RunGateOutcome {
  readonly exitCode: 0 | 1;
  /** For stdout. */
  readonly output: string;
  /** For stderr. */
  readonly message: string;
  readonly report: GateReport | null;
}

/**
 * Runs the gate.
 * @throws ReportInputError for usage errors (unreadable files, bad thresholds, nothing matching the baseline).
 */
export async function runGate(options: RunGateOptions): Promise<RunGateOutcome> {
  const config = options.config ? await readGateConfig(options.config) : DEFAULT_GATE_CONFIG;
  const current = await readResultsFile(options.results);
  if (options.updateBaseline) {
    await mkdir(options.baseline, { recursive: true });
    const previous = await readResultsFile(options.baseline).catch(() => null);
    const report = previous ? compareResults(previous, current, config) : null;
    await writeFileAtomic(path.join(options.baseline, RESULTS_JSON), serializeResultsFile(current));
    const summary = await readFile(path.join(path.dirname(resultsJsonPath(options.results)), 'summary.md'), 'utf8').catch(() => null);
    if (summary !== null) await writeFileAtomic(path.join(options.baseline, 'summary.md'), summary);
    return {
      exitCode: 0,
      output: report ? formatGateReport(report) : '',
      message: `xstorm gate: baseline ${options.baseline} updated from ${options.results} (${current.runs.length} runs); commit it deliberately`,
      report,
    };
  }
  const baseline = await readResultsFile(options.baseline);
  const keys = new Set(baseline.runs.map((run) => run.key));
  if (baseline.runs.length > 0 && !current.runs.some((run) => keys.has(run.key))) {
    throw new ReportInputError(`gate: no run of ${options.results} matches the baseline ${options.baseline} by key (wrong baseline?)`);
  }
  const report = compareResults(baseline, current, config);
  return {
    exitCode: gateExitCode(report, { allowNoVerdict: options.allowNoVerdict }),
    output: options.json ? `${JSON.stringify(report, null, 2)}\n` : formatGateReport(report),
    message: '',
    report,
  };
}
