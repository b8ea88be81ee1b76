/**
 * Parsing and checking the command-line values of `run`, `sweep` and
 * `bench` that yargs cannot check alone: targets, guest lists, parameter
 * grids, numbers, the scenario, the cost profile. Every problem is a
 * {@link UserError} with a one-line message, raised before any work starts.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { ENGINE_KINDS, isEngineKind } from '../engines/index.ts';
import { loadProfile, CostProfileError } from '../runner/cost/index.ts';
import type { CostProfile } from '../runner/cost/index.ts';
import type { Target } from '../runner/types.ts';
import { defaultDuration, findScenario, SCENARIO_NAMES, ScenarioParamsError, validateParams } from '../scenarios/index.ts';
import { parseAssignments } from '../scenarios/params.ts';
import type { AnyScenario, ParamValue } from '../scenarios/types.ts';
import { UserError } from './user-error.ts';

/**
 * `trie`, `tdb`, ... (an engine behind xstorm's daemon) or
 * `socket:<path>[=label]` (any xenstored; label defaults to the socket's
 * directory name).
 */
export function parseTarget(text: string): Target {
  if (text.startsWith('socket:')) {
    const rest = text.slice('socket:'.length);
    const eq = rest.lastIndexOf('=');
    const socketPath = eq >= 0 ? rest.slice(0, eq) : rest;
    if (!socketPath) throw new UserError(`--target ${text}: expected socket:<path>[=label]`);
    const label = eq >= 0 ? rest.slice(eq + 1) : (socketPath.split('/').filter(Boolean).slice(-2, -1)[0] ?? 'xenstored');
    if (!label) throw new UserError(`--target ${text}: empty label`);
    return { kind: 'socket', path: socketPath, label };
  }
  if (isEngineKind(text)) return { kind: 'engine', engine: text };
  throw new UserError(`unknown engine or target ${JSON.stringify(text)}; expected one of ${ENGINE_KINDS.join(', ')} or socket:<path>[=label]`);
}

/**
 * A guest-count list: comma-separated items, each `n`, `a-b` (every
 * integer), `a-b:s` (step s) or `a-b*f` (geometric, ×f). Sorted, unique.
 * E.g. `1,2,4,8`, `1-64*2`, `10-160:10`.
 */
export function parseGuestList(text: string): number[] {
  const out = new Set<number>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    const m = /^(\d+)(?:-(\d+)(?:([:*])(\d+(?:\.\d+)?))?)?$/.exec(item);
    if (!m) throw new UserError(`bad guest count ${JSON.stringify(item)}: expected n, a-b, a-b:step or a-b*factor`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (a < 1 || b < a) throw new UserError(`bad guest range ${JSON.stringify(item)}`);
    const op = m[3];
    const k = m[4] !== undefined ? Number(m[4]) : 1;
    if ((op === ':' && (k < 1 || !Number.isInteger(k))) || (op === '*' && k <= 1)) throw new UserError(`bad step in ${JSON.stringify(item)}`);
    if (op === '*') for (let n = a; n <= b; n = Math.max(n + 1, Math.round(n * k))) out.add(n);
    else for (let n = a; n <= b; n += op === ':' ? k : 1) out.add(n);
  }
  if (out.size > 10000) throw new UserError('guest list too long');
  return [...out].sort((x, y) => x - y);
}

/**
 * A parameter grid from `key=v1,v2` assignments: the cartesian product, in
 * order (the last key varies fastest). A key may appear once.
 */
export function parseGrid(assignments: readonly string[]): Record<string, string>[] {
  let grid: Record<string, string>[] = [{}];
  const seen = new Set<string>();
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new UserError(`--set ${JSON.stringify(assignment)}: expected key=value[,value...]`);
    const key = assignment.slice(0, eq);
    if (seen.has(key)) throw new UserError(`--set ${key}: set twice`);
    seen.add(key);
    const values = assignment.slice(eq + 1).split(',');
    grid = grid.flatMap((cell) => values.map((value) => ({ ...cell, [key]: value })));
  }
  return grid;
}

/** Checks a numeric flag; NaN and out-of-range values are user errors. */
export function checkNumber(name: string, value: number | undefined, opts: { integer?: boolean; min?: number; positive?: boolean }): void {
  if (value === undefined) return;
  if (!Number.isFinite(value)) throw new UserError(`--${name} must be a number`);
  if (opts.integer && !Number.isInteger(value)) throw new UserError(`--${name} must be an integer, got ${value}`);
  if (opts.positive && !(value > 0)) throw new UserError(`--${name} must be positive, got ${value}`);
  if (opts.min !== undefined && value < opts.min) throw new UserError(`--${name} must be ≥ ${opts.min}, got ${value}`);
}

/** The scenario named on the command line. */
export function scenarioArg(name: string): AnyScenario {
  const scenario = findScenario(name);
  if (!scenario) throw new UserError(`unknown scenario ${JSON.stringify(name)}; known: ${SCENARIO_NAMES.join(', ')}`);
  return scenario;
}

/** Validated parameters from raw strings; every problem (with `extraIssues`) in one line. */
export function paramsArg(scenario: AnyScenario, raw: Record<string, string>, extraIssues: readonly string[] = []): Record<string, ParamValue> {
  const issues = [...extraIssues];
  let params: Record<string, ParamValue> | undefined;
  try {
    params = validateParams(scenario, raw);
  } catch (error) {
    if (!(error instanceof ScenarioParamsError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length || !params) throw new UserError(`invalid --set for ${scenario.name}: ${issues.join('; ')}`);
  return params;
}

/** `--set key=value` strings parsed to a raw record (issues reported with the schema's). */
export function setArgs(assignments: readonly string[]): { raw: Record<string, string>; issues: string[] } {
  return parseAssignments(assignments);
}

/** The run length: `--duration` or the scenario's default for these parameters. */
export function durationFor(scenario: AnyScenario, params: Record<string, ParamValue>, duration: number | undefined): number {
  return duration ?? defaultDuration(scenario, params);
}

/**
 * The cost profile named by `--<flag>` (built-in name, calibrated name or
 * file), loaded and validated now: a missing or invalid profile is refused
 * with every reason the validation found.
 */
export function profileArg(nameOrFile: string, flag = 'profile'): CostProfile {
  try {
    return loadProfile(nameOrFile);
  } catch (error) {
    if (error instanceof CostProfileError) throw new UserError(`--${flag} ${nameOrFile}: ${error.issues.join('; ')}`, { cause: error });
    throw error;
  }
}

/** How long {@link checkSocketTarget} waits for a daemon to accept (ms). */
export const SOCKET_PROBE_TIMEOUT_MS = 3000;

/**
 * Checks that a socket target can be reached before the run starts: the
 * path exists, is a Unix socket, and something accepts a connection on it
 * (the probe connection is closed at once).
 */
export async function checkSocketTarget(target: Target, timeoutMs = SOCKET_PROBE_TIMEOUT_MS): Promise<void> {
  if (target.kind !== 'socket') return;
  const what = `--target socket:${target.path}`;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${what}: ${code === 'ENOENT' ? 'no such socket (is the daemon running?)' : `cannot reach it (${code ?? (error as Error).message})`}`);
  }
  if (!stat.isSocket()) throw new UserError(`${what}: not a Unix socket`);
  await new Promise<void>((resolve, reject) => {
    const socket = net.createConnection(target.path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UserError(`${what}: no daemon accepted a connection within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new UserError(`${what}: ${error.code === 'ECONNREFUSED' ? 'nothing listens on it (a stale socket file?)' : `cannot connect (${error.code ?? error.message})`}`));
    });
  });
}
