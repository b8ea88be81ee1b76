/**
 * The `tdb` engine's two storage backends: real files and memory pages
 * (copy-on-write). The same seeded sequence of file operations must leave the
 * same bytes on both; the same engine operations must give the same replies,
 * errors and counters on both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEngine, isXsError } from '../../engines/index.ts';
import type { Engine } from '../../engines/index.ts';
import { FileStorage } from '../../engines/tdb/storage.ts';
import type { StorageBackend, StorageFile } from '../../engines/tdb/storage.ts';
import { MemoryStorage } from '../../engines/tdb/memory-storage.ts';
import { createRandom } from '../../runner/random.ts';

function withDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstorm-storage-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function contents(file: StorageFile): Buffer {
  const buf = Buffer.alloc(file.physicalSize());
  assert.equal(file.read(buf, 0), buf.length);
  return buf;
}

test('memory storage: a copy shares pages until one side writes; truncation zeroes what growth shows again', () => {
  const m = new MemoryStorage();
  const a = m.create('a');
  a.write(Buffer.alloc(10000, 1), 0);
  m.copy('a', 'b');
  const b = m.open('b');
  b.write(Buffer.from([7, 7]), 4095); // straddles pages 0 and 1
  a.write(Buffer.from([9]), 8000);
  assert.deepEqual([...contents(a).subarray(4094, 4098)], [1, 1, 1, 1]);
  assert.equal(contents(a)[8000], 9);
  assert.deepEqual([...contents(b).subarray(4094, 4098)], [1, 7, 7, 1]);
  assert.equal(contents(b)[8000], 1);
  b.truncate(4097);
  b.write(Buffer.from([5]), 9000);
  const grown = contents(b);
  assert.equal(grown.length, 9001);
  assert.equal(grown[4096], 7);
  assert.ok(grown.subarray(4097, 9000).every((x) => x === 0));
  const short = Buffer.alloc(100);
  assert.equal(b.read(short, 8950), 51);
  assert.equal(b.read(short, 20000), 0);
  assert.throws(() => m.create('a'), /file exists/);
  m.rename('b', 'a');
  assert.deepEqual(m.list(), ['a']);
  assert.equal(contents(m.open('a')).length, 9001);
});

test('file and memory storage hold the same bytes after the same seeded operations', () => {
  withDir((dir) => {
    const backends: StorageBackend[] = [new FileStorage(dir, false), new MemoryStorage()];
    const random = createRandom(5, 'storage');
    const names = ['f0', 'f1', 'f2'];
    for (const b of backends) b.create('f0').close();
    for (let step = 0; step < 400; step++) {
      const present = backends[0]!.list().filter((n) => names.includes(n)).sort();
      assert.deepEqual(backends[1]!.list().filter((n) => names.includes(n)).sort(), present, `step ${step}`);
      const name = present[Math.floor(random() * present.length)]!;
      const other = names[Math.floor(random() * names.length)]!;
      const kind = random();
      const off = Math.floor(random() * 20000);
      const len = 1 + Math.floor(random() * 6000);
      const fill = Math.floor(random() * 256);
      for (const b of backends) {
        const f = b.open(name);
        if (kind < 0.55) f.write(Buffer.alloc(len, fill), off);
        else if (kind < 0.7) f.truncate(off);
        else if (kind < 0.85 && other !== name) b.copy(name, other);
        else if (kind < 0.95 && other !== name) b.rename(name, other);
        else if (present.length > 1) b.remove(name);
        f.close();
      }
      for (const n of backends[0]!.list().filter((x) => names.includes(x))) {
        const [fa, fb] = backends.map((b) => b.open(n));
        assert.ok(contents(fa!).equals(contents(fb!)), `step ${step}: ${n} differs`);
        const probe = [Buffer.alloc(700), Buffer.alloc(700)];
        assert.equal(fa!.read(probe[0]!, off), fb!.read(probe[1]!, off));
        assert.ok(probe[0]!.equals(probe[1]!));
        fa!.close();
        fb!.close();
      }
    }
  });
});

type Outcome = { ok: unknown } | { error: string };

function attempt(fn: () => unknown): Outcome {
  try {
    return { ok: fn() };
  } catch (e) {
    if (isXsError(e)) return { error: e.code };
    throw e;
  }
}

test('tdb on file and on memory storage: same replies, errors and counters after every operation', () => {
  withDir((dir) => {
    const engines: Engine[] = [createEngine('tdb', { dir, maxNodesPerDomain: 12 }), createEngine('tdb', { storage: 'memory', maxNodesPerDomain: 12 })];
    try {
      const random = createRandom(9, 'tdb-storage');
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const domids = [0, 1, 2];
      const paths = ['/a', '/a/b', '/a/b/c', '/local/domain/1/x', '/local/domain/1/y/z', '/local/domain/2/w', '/shared/k'];
      const open: Array<{ domid: number; txIds: number[] }> = [];
      for (const e of engines) {
        e.write(0, 0, '/local/domain/1', '');
        e.setPerms(0, 0, '/local/domain/1', ['n1']);
        e.write(0, 0, '/local/domain/2', '');
        e.setPerms(0, 0, '/local/domain/2', ['n2']);
      }
      for (let step = 0; step < 1500; step++) {
        const domid = pick(domids);
        const r = random();
        const p = pick(paths);
        const value = 'v'.repeat(Math.floor(random() * 300));
        let op: (e: Engine, i: number) => unknown;
        const mine = open.filter((t) => t.domid === domid);
        const useTx = mine.length > 0 && random() < 0.85 ? pick(mine) : null;
        const tx = (i: number): number => (useTx ? useTx.txIds[i]! : 0);
        if (r < 0.1) {
          op = (e) => e.txStart(domid);
        } else if (r < 0.3 && useTx) {
          const commit = random() < 0.8;
          open.splice(open.indexOf(useTx), 1);
          op = (e, i) => e.txEnd(domid, useTx.txIds[i]!, commit);
        } else if (r < 0.45) op = (e, i) => e.write(domid, tx(i), p, value);
        else if (r < 0.6) op = (e, i) => e.read(domid, tx(i), p);
        else if (r < 0.7) op = (e, i) => e.rm(domid, tx(i), p);
        else if (r < 0.78) op = (e, i) => e.mkdir(domid, tx(i), p);
        else if (r < 0.86) op = (e, i) => e.directory(domid, tx(i), p);
        else if (r < 0.93) op = (e, i) => e.getPerms(domid, tx(i), p);
        else {
          const perms = [`n${pick(domids)}`, `r${pick(domids)}`];
          op = (e, i) => e.setPerms(domid, tx(i), p, perms);
        }
        const outcomes = engines.map((e, i) => attempt(() => op(e, i)));
        assert.deepEqual(outcomes[1], outcomes[0], `step ${step}`);
        if (r < 0.1 && 'ok' in outcomes[0]!) open.push({ domid, txIds: outcomes.map((o) => (o as { ok: number }).ok) });
        assert.deepEqual(engines[1]!.counters(), engines[0]!.counters(), `counters after step ${step}`);
      }
      const c = engines[0]!.counters();
      assert.ok(c['commits']! > 20 && c['aborts']! > 5 && c['journalWrites']! > 100, JSON.stringify(c));
    } finally {
      for (const e of engines) e.close();
    }
  });
});

test('tdb memory storage takes no dir, and an unknown storage is refused', () => {
  assert.throws(() => createEngine('tdb', { storage: 'memory', dir: '/tmp/x' }), (e: unknown) => isXsError(e, 'EINVAL') && /takes no dir/.test(e.message));
  assert.throws(() => createEngine('tdb', { storage: 'disk' as never }), (e: unknown) => isXsError(e, 'EINVAL') && /unknown storage "disk"/.test(e.message));
});
