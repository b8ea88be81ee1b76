/**
 * The 17 scenarios of ../shared/realxs/conflict_probe.py, replayed directly
 * on an engine: connection A and connection B are two dom0 callers. Prints
 * the probe's exact lines, so they can be compared with what the real
 * daemons print (RESULTS.md).
 */
import { isXsError } from '../../engines/common/errors.ts';
import type { Engine } from '../../engines/types.ts';

type Op = readonly ['r', string] | readonly ['w', string, string] | readonly ['l', string];
type BOp =
  | readonly ['w', string, string]
  | readonly ['W', string, string]
  | readonly ['rm', string]
  | readonly ['tx', readonly Op[]];

interface Scenario {
  readonly name: string;
  readonly keys: Record<string, string>;
  readonly aOps: readonly Op[];
  readonly bOp: BOp;
  readonly when?: 'before';
}

/** The probe's scenarios, in its order. */
export const PROBE_SCENARIOS: readonly Scenario[] = [
  { name: 'rmw same key (A: read x, write x | B: write x)', keys: { x: '0' }, aOps: [['r', 'x'], ['w', 'x', '1']], bOp: ['w', 'x', '9'] },
  { name: 'read-only tx (A: read x | B: write x)', keys: { x: '0' }, aOps: [['r', 'x']], bOp: ['w', 'x', '9'] },
  { name: 'write-only blind (A: write x | B: write x)', keys: { x: '0' }, aOps: [['w', 'x', '1']], bOp: ['w', 'x', '9'] },
  { name: 'read x, write y (A) | B: write x', keys: { x: '0', y: '0' }, aOps: [['r', 'x'], ['w', 'y', '1']], bOp: ['w', 'x', '9'] },
  { name: 'disjoint siblings (A: rmw x | B: write y)', keys: { x: '0', y: '0' }, aOps: [['r', 'x'], ['w', 'x', '1']], bOp: ['w', 'y', '9'] },
  { name: 'disjoint elsewhere (A: rmw x | B: write /probe-other/z)', keys: { x: '0' }, aOps: [['r', 'x'], ['w', 'x', '1']], bOp: ['W', '/probe-other/z', '9'] },
  { name: 'A touches x and y | B: write sibling z', keys: { x: '0', y: '0', z: '0' }, aOps: [['r', 'x'], ['w', 'y', '1']], bOp: ['w', 'z', '9'] },
  { name: 'A: ls dir | B: change value of child x', keys: { x: '0' }, aOps: [['l', ''], ['w', 'y', '1']], bOp: ['w', 'x', '9'] },
  { name: 'A: ls dir | B: create new child n', keys: { x: '0' }, aOps: [['l', ''], ['w', 'y', '1']], bOp: ['w', 'n', '9'] },
  { name: 'phantom: A reads missing m (ENOENT), writes y | B: creates m', keys: { y: '0' }, aOps: [['r', 'm'], ['w', 'y', '1']], bOp: ['w', 'm', '9'] },
  { name: 'A creates new child a | B creates new child b', keys: { x: '0' }, aOps: [['w', 'a', '1']], bOp: ['w', 'b', '9'] },
  { name: 'A: rmw x | B: rm x', keys: { x: '0' }, aOps: [['r', 'x'], ['w', 'x', '1']], bOp: ['rm', 'x'] },
  { name: 'A: rmw x | B: writes x with SAME value', keys: { x: '0' }, aOps: [['r', 'x'], ['w', 'x', '1']], bOp: ['w', 'x', '0'] },
  { name: 'A: rmw x | B: rmw x in its own tx, commits first', keys: { x: '0' }, aOps: [['r', 'x'], ['w', 'x', '1']], bOp: ['tx', [['r', 'x'], ['w', 'x', '9']]] },
  {
    name: 'write skew, existing keys (A: read x, write y | B tx: read y, write x)',
    keys: { x: '0', y: '0' }, aOps: [['r', 'x'], ['w', 'y', '1']], bOp: ['tx', [['r', 'y'], ['w', 'x', '1']]],
  },
  {
    name: 'write skew via ENOENT (A: read missing m, write y | B tx: read y, create m)',
    keys: { y: '0' }, aOps: [['r', 'm'], ['w', 'y', '1']], bOp: ['tx', [['r', 'y'], ['w', 'm', '1']]],
  },
  {
    name: "snapshot point: B writes x AFTER A's START but BEFORE A reads x; A: rmw x",
    keys: { x: '0' }, aOps: [['r', 'x'], ['w', 'x', '1']], bOp: ['w', 'x', '9'], when: 'before',
  },
];

const BASE = '/probe';
const A = 0;
const B = 0;

function errText(e: unknown): string {
  if (isXsError(e)) return `ERR:${e.code}`;
  throw e;
}

/** Runs one engine call, turning an XsError into the probe's `ERR:<code>` text. */
function attempt<T>(fn: () => T): T | string {
  try {
    return fn();
  } catch (e) {
    return errText(e);
  }
}

function doB(engine: Engine, op: BOp, notes: string[]): void {
  let rb: unknown;
  if (op[0] === 'w') rb = attempt(() => engine.write(B, 0, `${BASE}/${op[1]}`, op[2]));
  else if (op[0] === 'W') rb = attempt(() => engine.write(B, 0, op[1], op[2]));
  else if (op[0] === 'rm') rb = attempt(() => engine.rm(B, 0, `${BASE}/${op[1]}`));
  else {
    const t2 = engine.txStart(B);
    for (const o of op[1]) {
      if (o[0] === 'r') attempt(() => engine.read(B, t2, `${BASE}/${o[1]}`));
      else if (o[0] === 'w') attempt(() => engine.write(B, t2, `${BASE}/${o[1]}`, o[2]));
    }
    const end = attempt(() => engine.txEnd(B, t2, true));
    rb = typeof end === 'string' ? `B commit ${end}` : undefined;
  }
  if (typeof rb === 'string') notes.push(`B -> ${rb}`);
}

/** Runs every scenario on `engine`; returns the lines conflict_probe.py would print. */
export function runProbe(engine: Engine): string[] {
  const lines: string[] = [];
  for (const sc of PROBE_SCENARIOS) {
    attempt(() => engine.rm(B, 0, BASE));
    attempt(() => engine.rm(B, 0, '/probe-other'));
    for (const [k, v] of Object.entries(sc.keys)) engine.write(B, 0, `${BASE}/${k}`, v);
    const tx = engine.txStart(A);
    const notes: string[] = [];
    if (sc.when === 'before') doB(engine, sc.bOp, notes);
    for (const op of sc.aOps) {
      let r: unknown;
      if (op[0] === 'r') {
        r = attempt(() => engine.read(A, tx, `${BASE}/${op[1]}`));
        if (typeof r === 'string' && !r.startsWith('ERR:')) notes.push(`A read ${op[1]}=${r}`);
      } else if (op[0] === 'w') {
        r = attempt(() => engine.write(A, tx, `${BASE}/${op[1]}`, op[2]));
      } else {
        r = attempt(() => engine.directory(A, tx, BASE + op[1]));
      }
      if (typeof r === 'string' && r.startsWith('ERR:')) notes.push(`${op[0]} ${op[1]} -> ${r}`);
    }
    if (sc.when !== 'before') doB(engine, sc.bOp, notes);
    const end = attempt(() => engine.txEnd(A, tx, true));
    const res = typeof end === 'string' ? end : 'OK';
    lines.push(`${res.padEnd(8)} ${sc.name}${notes.length > 0 ? `   [${notes.join('; ')}]` : ''}`);
  }
  attempt(() => engine.rm(B, 0, BASE));
  attempt(() => engine.rm(B, 0, '/probe-other'));
  return lines;
}

/** The lines the real Xen 4.17 daemons print (../shared/realxs/RESULTS.md). */
export const REAL_PROBE_OUTPUT = {
  cxenstored: `ERR:EAGAIN rmw same key (A: read x, write x | B: write x)   [A read x=0]
ERR:EAGAIN read-only tx (A: read x | B: write x)   [A read x=0]
ERR:EAGAIN write-only blind (A: write x | B: write x)
ERR:EAGAIN read x, write y (A) | B: write x   [A read x=0]
OK       disjoint siblings (A: rmw x | B: write y)   [A read x=0]
OK       disjoint elsewhere (A: rmw x | B: write /probe-other/z)   [A read x=0]
OK       A touches x and y | B: write sibling z   [A read x=0]
OK       A: ls dir | B: change value of child x
ERR:EAGAIN A: ls dir | B: create new child n
ERR:EAGAIN phantom: A reads missing m (ENOENT), writes y | B: creates m   [r m -> ERR:ENOENT]
ERR:EAGAIN A creates new child a | B creates new child b
ERR:EAGAIN A: rmw x | B: rm x   [A read x=0]
ERR:EAGAIN A: rmw x | B: writes x with SAME value   [A read x=0]
ERR:EAGAIN A: rmw x | B: rmw x in its own tx, commits first   [A read x=0]
ERR:EAGAIN write skew, existing keys (A: read x, write y | B tx: read y, write x)   [A read x=0]
ERR:EAGAIN write skew via ENOENT (A: read missing m, write y | B tx: read y, create m)   [r m -> ERR:ENOENT]
OK       snapshot point: B writes x AFTER A's START but BEFORE A reads x; A: rmw x   [A read x=9]`.split('\n'),
  oxenstored: `ERR:EAGAIN rmw same key (A: read x, write x | B: write x)   [A read x=0]
OK       read-only tx (A: read x | B: write x)   [A read x=0]
OK       write-only blind (A: write x | B: write x)
ERR:EAGAIN read x, write y (A) | B: write x   [A read x=0]
OK       disjoint siblings (A: rmw x | B: write y)   [A read x=0]
OK       disjoint elsewhere (A: rmw x | B: write /probe-other/z)   [A read x=0]
OK       A touches x and y | B: write sibling z   [A read x=0]
OK       A: ls dir | B: change value of child x
ERR:EAGAIN A: ls dir | B: create new child n
OK       phantom: A reads missing m (ENOENT), writes y | B: creates m   [r m -> ERR:ENOENT]
OK       A creates new child a | B creates new child b
ERR:EAGAIN A: rmw x | B: rm x   [A read x=0]
OK       A: rmw x | B: writes x with SAME value   [A read x=0]
ERR:EAGAIN A: rmw x | B: rmw x in its own tx, commits first   [A read x=0]
ERR:EAGAIN write skew, existing keys (A: read x, write y | B tx: read y, write x)   [A read x=0]
OK       write skew via ENOENT (A: read missing m, write y | B tx: read y, create m)   [r m -> ERR:ENOENT]
ERR:EAGAIN snapshot point: B writes x AFTER A's START but BEFORE A reads x; A: rmw x   [A read x=0]`.split('\n'),
} as const;
