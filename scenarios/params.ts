/**
 * Parsing scenario parameters at the edge: `--set key=value` strings are
 * converted to the type of the parameter's default, then the scenario's
 * strict zod schema validates everything at once (unknown keys included),
 * and every problem is reported together.
 */
import type { AnyScenario, ParamValue } from './types.ts';

/** Invalid scenario parameters; `issues` lists every problem, one line each. */
export class ScenarioParamsError extends Error {
  readonly issues: readonly string[];

  constructor(scenario: string, issues: readonly string[]) {
    super(`invalid parameters for scenario ${scenario}: ${issues.join('; ')}`);
    this.name = 'ScenarioParamsError';
    this.issues = issues;
  }
}

/** The scenario's defaults (parsing `{}`). */
export function defaultParams(scenario: AnyScenario): Record<string, ParamValue> {
  return scenario.params.parse({}) as Record<string, ParamValue>;
}

/**
 * Parses `key=value` assignments (from `--set`) into a raw record; a
 * malformed assignment or a repeated key is an issue.
 */
export function parseAssignments(assignments: readonly string[]): { raw: Record<string, string>; issues: string[] } {
  const raw: Record<string, string> = {};
  const issues: string[] = [];
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) {
      issues.push(`--set ${JSON.stringify(assignment)}: expected key=value`);
      continue;
    }
    const key = assignment.slice(0, eq);
    if (key in raw) issues.push(`${key}: set twice`);
    raw[key] = assignment.slice(eq + 1);
  }
  return { raw, issues };
}

function coerce(value: unknown, like: ParamValue | undefined): unknown {
  if (typeof value !== 'string' || like === undefined || typeof like === 'string') return value;
  if (typeof like === 'number') {
    const n = value.trim() === '' ? NaN : Number(value);
    return Number.isNaN(n) ? value : n;
  }
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/**
 * Validates raw parameters (strings from the command line are converted to
 * the type of the default) and returns them with defaults applied. Throws
 * {@link ScenarioParamsError} listing every bad field at once.
 */
export function validateParams(scenario: AnyScenario, raw: Readonly<Record<string, unknown>>): Record<string, ParamValue> {
  const defaults = defaultParams(scenario);
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) converted[key] = coerce(value, defaults[key]);
  const result = scenario.params.safeParse(converted);
  if (result.success) return result.data as Record<string, ParamValue>;
  const issues = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} (known: ${Object.keys(defaults).join(', ')})`;
    }
    const path = issue.path.join('.') || '(params)';
    return `${path}: ${issue.message}`;
  });
  throw new ScenarioParamsError(scenario.name, issues);
}
