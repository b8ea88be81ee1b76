/**
 * Crash safety of the `tdb` engine: a child process (tdb-crash-child.ts)
 * commits transactions and writes outside them on one store, logging each
 * acknowledgement; the parent SIGKILLs it at seeded points — at named steps
 * inside the engine (mid-journal, mid-write, mid-commit before and after the
 * rename, after a transaction copy) and after seeded delays — then reopens
 * the store. The reopened store must pass the full consistency check
 * (records tile the file, every record reachable from its bucket, free list
 * exact, tree whole) and hold exactly the acknowledged work, plus at most the
 * one unit that was in flight, applied whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../engines/index.ts';
import { verifyTdbStore } from '../../engines/tdb/index.ts';
import { createRandom } from '../../runner/random.ts';
import type { Effect } from './tdb-crash-child.ts';

const CHILD = fileURLToPath(new URL('./tdb-crash-child.ts', import.meta.url));
const SEED = 20090831;

type Values = Map<string, string>;

function apply(values: Values, effects: readonly Effect[]): Values {
  const next = new Map(values);
  for (const e of effects) {
    if (e[0] === 'w') {
      const parts = e[1].slice(1).split('/');
      for (let i = 1; i < parts.length; i++) {
        const ancestor = `/${parts.slice(0, i).join('/')}`;
        if (!next.has(ancestor)) next.set(ancestor, '');
      }
      next.set(e[1], e[2]);
    } else {
      for (const p of [...next.keys()]) if (p === e[1] || p.startsWith(`${e[1]}/`)) next.delete(p);
    }
  }
  return next;
}

function same(a: Values, b: Values): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function diff(a: Values, b: Values): string {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: store=${JSON.stringify(v)} model=${JSON.stringify(b.get(k))}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`${k}: missing from store`);
  return out.slice(0, 10).join('\n');
}

interface Round {
  readonly crash?: string;
  readonly killAfterMs?: number;
}

interface ChildResult {
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly stderr: string;
}

function runChild(dir: string, ackLog: string, seed: number, round: Round): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.XSTORM_TDB_CRASH;
    if (round.crash) env.XSTORM_TDB_CRASH = round.crash;
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, ackLog, String(seed), '400'], {
      env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      if (round.killAfterMs !== undefined && d.toString().includes('READY')) {
        setTimeout(() => child.kill('SIGKILL'), round.killAfterMs);
      }
    });
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, signal, stderr });
    });
  });
}

/** Acknowledged units and the one in flight (begun, not acknowledged), from the ack log. */
function readAcks(ackLog: string): { acked: Effect[][]; inFlight: Effect[] | null } {
  const acked: Effect[][] = [];
  let open: Effect[] | null = null;
  for (const line of fs.readFileSync(ackLog, 'utf8').split('\n')) {
    if (line.startsWith('B ')) {
      assert.equal(open, null, 'two units begun without an acknowledgement');
      open = JSON.parse(line.slice(2)) as Effect[];
    } else if (line === 'A') {
      assert.notEqual(open, null, 'acknowledgement without a unit');
      acked.push(open!);
      open = null;
    }
  }
  return { acked, inFlight: open };
}

/** Runs rounds one after another on one store dir; returns what happened. */
async function runLane(root: string, lane: number, rounds: readonly Round[]): Promise<{ killed: number; ackedUnits: number; inFlightApplied: number }> {
  const dir = path.join(root, `store-${lane}`);
  let baseline: Values = new Map([['/', '']]);
  let killed = 0;
  let ackedUnits = 0;
  let inFlightApplied = 0;
  for (const [i, round] of rounds.entries()) {
    const ackLog = path.join(root, `acks-${lane}-${i}.log`);
    const result = await runChild(dir, ackLog, SEED + 100 * lane + i, round);
    const label = `lane ${lane} round ${i} ${JSON.stringify(round)}`;
    if (result.signal === 'SIGKILL') killed++;
    else assert.equal(result.code, 0, `${label}: child failed: ${result.stderr}`);
    const { acked, inFlight } = fs.existsSync(ackLog) ? readAcks(ackLog) : { acked: [], inFlight: null };
    ackedUnits += acked.length;

    // Reopen (rolls back a journalled half-operation, drops stray copies), then check offline.
    createEngine('tdb', { dir }).close();
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('tdb.tx')), [], `${label}: stray copies`);
    const snapshot = verifyTdbStore(dir);
    const values: Values = new Map([...snapshot].map(([p, n]) => [p, n.value]));

    const withoutInFlight = acked.reduce(apply, baseline);
    const withInFlight = inFlight ? apply(withoutInFlight, inFlight) : withoutInFlight;
    if (inFlight && same(values, withInFlight) && !same(values, withoutInFlight)) inFlightApplied++;
    assert.ok(
      same(values, withoutInFlight) || same(values, withInFlight),
      `${label}: store differs from the acknowledged history:\n${diff(values, withoutInFlight)}`,
    );
    baseline = values;
  }
  // The engine still works on the final store.
  const e = createEngine('tdb', { dir });
  e.write(0, 0, '/after/crashes', 'ok');
  assert.equal(e.read(0, 0, '/after/crashes'), 'ok');
  e.close();
  verifyTdbStore(dir);
  return { killed, ackedUnits, inFlightApplied };
}

test('tdb crash safety: SIGKILL at any point leaves a consistent store holding every acknowledged commit', { timeout: 120_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xstorm-tdbcrash-'));
  try {
    // Two independent lanes (own store, own child at a time) run side by side
    // to keep the wall time down; each kills once at every named step and once
    // after a seeded delay.
    const random = createRandom(SEED, 'tdb-crash-rounds');
    const lanes: Round[][] = [[], []];
    for (const rounds of lanes) {
      for (const step of ['journal-entry', 'live-write', 'copy-done', 'commit-before-rename', 'commit-after-rename']) {
        const many = step === 'journal-entry' || step === 'live-write';
        rounds.push({ crash: `${step}:${1 + Math.floor(random() * (many ? 600 : 60))}` });
      }
      rounds.push({ killAfterMs: Math.floor(random() * 150) });
    }
    const results = await Promise.all(lanes.map((rounds, lane) => runLane(root, lane, rounds)));
    const total = lanes.reduce((n, r) => n + r.length, 0);
    const killed = results.reduce((n, r) => n + r.killed, 0);
    const ackedUnits = results.reduce((n, r) => n + r.ackedUnits, 0);
    const inFlightApplied = results.reduce((n, r) => n + r.inFlightApplied, 0);
    assert.ok(killed >= total - 2, `only ${killed} of ${total} children were killed`);
    assert.ok(ackedUnits > 100, `too little acknowledged work (${ackedUnits} units) to mean anything`);
    t.diagnostic(`${total} rounds, ${killed} killed, ${ackedUnits} acknowledged units, in-flight unit present after ${inFlightApplied} kills`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
