/**
 * Parsing the run/sweep command-line values that are not plain numbers:
 * targets, guest lists, parameter grids. Each parser throws a RangeError
 * with a one-line message; the CLI turns it into a usage error.
 */
import { ENGINE_KINDS, isEngineKind } from '../engines/index.ts';
import type { Target } from './types.ts';

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
    if (!socketPath) throw new RangeError(`--target ${text}: expected socket:<path>[=label]`);
    const label = eq >= 0 ? rest.slice(eq + 1) : (socketPath.split('/').filter(Boolean).slice(-2, -1)[0] ?? 'xenstored');
    if (!label) throw new RangeError(`--target ${text}: empty label`);
    return { kind: 'socket', path: socketPath, label };
  }
  if (isEngineKind(text)) return { kind: 'engine', engine: text };
  throw new RangeError(`unknown engine or target ${JSON.stringify(text)}; expected one of ${ENGINE_KINDS.join(', ')} or socket:<path>[=label]`);
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
    if (!m) throw new RangeError(`bad guest count ${JSON.stringify(item)}: expected n, a-b, a-b:step or a-b*factor`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (a < 1 || b < a) throw new RangeError(`bad guest range ${JSON.stringify(item)}`);
    const op = m[3];
    const k = m[4] !== undefined ? Number(m[4]) : 1;
    if ((op === ':' && (k < 1 || !Number.isInteger(k))) || (op === '*' && k <= 1)) throw new RangeError(`bad step in ${JSON.stringify(item)}`);
    if (op === '*') for (let n = a; n <= b; n = Math.max(n + 1, Math.round(n * k))) out.add(n);
    else for (let n = a; n <= b; n += op === ':' ? k : 1) out.add(n);
  }
  if (out.size > 10000) throw new RangeError('guest list too long');
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
    if (eq <= 0) throw new RangeError(`--set ${JSON.stringify(assignment)}: expected key=value[,value...]`);
    const key = assignment.slice(0, eq);
    if (seen.has(key)) throw new RangeError(`--set ${key}: set twice`);
    seen.add(key);
    const values = assignment.slice(eq + 1).split(',');
    grid = grid.flatMap((cell) => values.map((value) => ({ ...cell, [key]: value })));
  }
  return grid;
}
