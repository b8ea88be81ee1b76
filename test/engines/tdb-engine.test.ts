/**
 * `tdb`-specific tests: the file it keeps, free-list reuse, whole-file copies
 * per transaction, the global generation, reopening, counters. The shared
 * conformance suite covers the common semantics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createEngine, isXsError } from '../../engines/index.ts';
import type { Engine, XsErrno } from '../../engines/index.ts';
import { TDB_COUNTER_NAMES, TDB_FILE_NAME, verifyTdbStore } from '../../engines/tdb/index.ts';
import { DATA_START, FILE_MAGIC, HASH_SIZE, HDR, bucketOffset, hashKey } from '../../engines/tdb/layout.ts';

function withDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstorm-tdbtest-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function code(fn: () => unknown): XsErrno | 'OK' {
  try {
    fn();
    return 'OK';
  } catch (e) {
    if (isXsError(e)) return e.code;
    throw e;
  }
}

function header(dir: string): Buffer {
  return fs.readFileSync(path.join(dir, TDB_FILE_NAME)).subarray(0, DATA_START);
}

test('tdb: a fresh store is one file with a TDB header, 7919 buckets and only /', () => {
  withDir((dir) => {
    const e = createEngine('tdb', { dir });
    assert.deepEqual(e.directory(0, 0, '/'), []);
    assert.deepEqual(e.getPerms(0, 0, '/'), ['n0']);
    assert.equal(e.read(0, 0, '/'), '');
    e.close();
    const h = header(dir);
    assert.ok(h.subarray(0, 8).equals(FILE_MAGIC));
    assert.equal(h.readUInt32LE(HDR.hashSize), HASH_SIZE);
    assert.equal(h.readUInt32LE(HDR.recordCount), 1);
    assert.deepEqual([...fs.readdirSync(dir)].sort(), ['tdb', 'tdb.journal']);
    assert.deepEqual([...verifyTdbStore(dir).keys()], ['/']);
  });
});

test('tdb: every counter is present from the start and counters() is a fresh object', () => {
  withDir((dir) => {
    const e = createEngine('tdb', { dir });
    const c = e.counters();
    for (const name of TDB_COUNTER_NAMES) assert.equal(c[name], 0, name);
    c.reads = 99;
    assert.equal(e.counters().reads, 0);
    e.read(0, 0, '/');
    const after = e.counters();
    assert.equal(after.reads, 1);
    assert.equal(after.lockAcquisitions, 1);
    assert.ok(after.recordsRead! >= 1 && after.bytesRead! > 0);
    e.close();
  });
});

test('tdb: reopening a dir keeps the data; values round-trip every byte', () => {
  withDir((dir) => {
    const bytes = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    let e = createEngine('tdb', { dir });
    e.write(0, 0, '/local/domain/3/bin', bytes);
    e.setPerms(0, 0, '/local/domain/3', ['b3', 'r0']);
    e.close();
    e = createEngine('tdb', { dir });
    assert.equal(e.read(0, 0, '/local/domain/3/bin'), bytes);
    assert.deepEqual(e.getPerms(0, 0, '/local/domain/3'), ['b3', 'r0']);
    assert.deepEqual(e.directory(0, 0, '/local/domain'), ['3']);
    e.close();
    verifyTdbStore(dir);
  });
});

test('tdb: freed records are reused, so rewriting keys does not grow the file', () => {
  withDir((dir) => {
    const e = createEngine('tdb', { dir });
    for (let i = 0; i < 200; i++) e.write(0, 0, `/d/k${i}`, 'x'.repeat(40));
    for (let i = 0; i < 200; i++) e.rm(0, 0, `/d/k${i}`);
    const afterRm = fs.statSync(path.join(dir, TDB_FILE_NAME)).size;
    for (let i = 0; i < 200; i++) e.write(0, 0, `/d/k${i}`, 'y'.repeat(40));
    const afterRewrite = fs.statSync(path.join(dir, TDB_FILE_NAME)).size;
    assert.equal(afterRewrite, afterRm);
    // A value that grows past its record's room moves to another record.
    e.write(0, 0, '/d/k0', 'z'.repeat(2000));
    assert.equal(e.read(0, 0, '/d/k0'), 'z'.repeat(2000));
    e.close();
    assert.equal(verifyTdbStore(dir).size, 202);
  });
});

test('tdb: a transaction works on a whole-file copy; its cost grows with the store', () => {
  withDir((dir) => {
    const e = createEngine('tdb', { dir });
    const t1 = e.txStart(0);
    const small = e.counters().bytesCopied!;
    assert.ok(fs.readdirSync(dir).some((n) => n.startsWith('tdb.tx')));
    e.txEnd(0, t1, false);
    assert.ok(!fs.readdirSync(dir).some((n) => n.startsWith('tdb.tx')), 'abort unlinks the copy');
    for (let i = 0; i < 300; i++) e.write(0, 0, `/local/domain/${i}/name`, `vm${i}`);
    const t2 = e.txStart(0);
    const big = e.counters().bytesCopied! - small;
    assert.ok(big > small + 300 * 40, `copy grew: ${small} -> ${big}`);
    assert.equal(big, fs.statSync(path.join(dir, TDB_FILE_NAME)).size);
    e.txEnd(0, t2, false);
    const c = e.counters();
    assert.equal(c.fileCopies, 2);
    assert.equal(c.fsyncs, 0);
    e.close();
  });
});

test('tdb: isolation — the transaction sees its copy, others see the live file until commit', () => {
  withDir((dir) => {
    const e = createEngine('tdb', { dir });
    e.write(0, 0, '/x', '0');
    const t = e.txStart(0);
    e.write(0, t, '/x', '1');
    e.write(0, t, '/new/deep', 'n');
    assert.equal(e.read(0, 0, '/x'), '0');
    assert.equal(code(() => e.read(0, 0, '/new/deep')), 'ENOENT');
    assert.deepEqual(e.txEnd(0, t, true), ['/x', '/new/deep']);
    assert.equal(e.read(0, 0, '/x'), '1');
    assert.equal(e.read(0, 0, '/new/deep'), 'n');
    const c = e.counters();
    assert.equal(c.commits, 1);
    assert.equal(c.renames, 1);
    e.close();
    verifyTdbStore(dir);
  });
});

test('tdb: global generation — any commit or outside write anywhere makes every open transaction fail with EAGAIN', () => {
  withDir((dir) => {
    const e: Engine = createEngine('tdb', { dir });
    e.write(0, 0, '/a', '0');
    e.write(0, 0, '/b', '0');
    // A write to an unrelated node.
    let t = e.txStart(0);
    e.write(0, t, '/a', '1');
    e.write(0, 0, '/b', '9');
    assert.equal(code(() => e.txEnd(0, t, true)), 'EAGAIN');
    assert.equal(e.read(0, 0, '/a'), '0');
    // Read-only transactions are refused the same way.
    t = e.txStart(0);
    e.read(0, t, '/a');
    e.write(0, 0, '/b', '8');
    assert.equal(code(() => e.txEnd(0, t, true)), 'EAGAIN');
    // Another transaction's commit — even a read-only one — moves the generation too.
    const t1 = e.txStart(0);
    const t2 = e.txStart(0);
    e.read(0, t1, '/a');
    assert.deepEqual(e.txEnd(0, t1, true), []);
    assert.equal(code(() => e.txEnd(0, t2, true)), 'EAGAIN');
    // Operations that change nothing do not move it.
    t = e.txStart(0);
    e.mkdir(0, 0, '/a');
    e.rm(0, 0, '/missing');
    e.read(0, 0, '/a');
    assert.deepEqual(e.txEnd(0, t, true), []);
    const c = e.counters();
    assert.equal(c.aborts, 3);
    assert.equal(c.commits, 2);
    assert.equal(code(() => e.txEnd(0, t, true)), 'ENOENT');
    assert.equal(code(() => e.read(0, 12345, '/a')), 'ENOENT');
    e.close();
    assert.ok(!fs.readdirSync(dir).some((n) => n.startsWith('tdb.tx')));
  });
});

test('tdb: quota counts nodes per owner, inside transactions too', () => {
  withDir((dir) => {
    const e = createEngine('tdb', { dir, maxNodesPerDomain: 3 });
    e.mkdir(0, 0, '/local/domain/5');
    e.setPerms(0, 0, '/local/domain/5', ['n5']);
    // dom5 owns /local/domain/5 (1 node); two more fit.
    e.write(5, 0, '/local/domain/5/a', '1');
    const t = e.txStart(5);
    e.write(5, t, '/local/domain/5/b', '1');
    assert.equal(code(() => e.write(5, t, '/local/domain/5/c', '1')), 'EQUOTA');
    e.txEnd(5, t, true);
    assert.equal(code(() => e.write(5, 0, '/local/domain/5/c', '1')), 'EQUOTA');
    e.rm(5, 0, '/local/domain/5/a');
    e.write(5, 0, '/local/domain/5/c', '1');
    e.close();
    // The count is rebuilt from the file on reopen.
    const again = createEngine('tdb', { dir, maxNodesPerDomain: 3 });
    assert.equal(code(() => again.write(5, 0, '/local/domain/5/d', '1')), 'EQUOTA');
    again.close();
  });
});

test('tdb: the tree stays whole through creates, recursive rms and relocations', () => {
  withDir((dir) => {
    const e = createEngine('tdb', { dir });
    for (let d = 0; d < 20; d++) {
      for (const leaf of ['name', 'memory/target', 'device/vif/0/state', 'device/vbd/768/state', 'data/x']) {
        e.write(0, 0, `/local/domain/${d}/${leaf}`, `${d}-${leaf}`.repeat(d % 4 + 1));
      }
    }
    for (let d = 0; d < 20; d += 3) e.rm(0, 0, `/local/domain/${d}`);
    e.rm(0, 0, '/local/domain/1/device');
    const t = e.txStart(0);
    e.rm(0, t, '/local/domain/2');
    e.write(0, t, '/local/domain/2/name', 'reborn');
    e.txEnd(0, t, true);
    assert.deepEqual(e.directory(0, 0, '/local/domain/2'), ['name']);
    e.close();
    const snap = verifyTdbStore(dir);
    assert.equal(snap.has('/local/domain/0'), false);
    assert.equal(snap.get('/local/domain/2/name')?.value, 'reborn');
  });
});

test('tdb: the store checker notices an unreachable record and a free list that lost a record', () => {
  withDir((dir) => {
    const e = createEngine('tdb', { dir });
    e.write(0, 0, '/a', '1');
    e.write(0, 0, '/b', '1');
    e.rm(0, 0, '/b');
    e.close();
    verifyTdbStore(dir);
    const file = path.join(dir, TDB_FILE_NAME);
    const good = fs.readFileSync(file);
    const unchained = Buffer.from(good);
    unchained.writeUInt32LE(0, bucketOffset(hashKey(Buffer.from('/a')) % HASH_SIZE));
    fs.writeFileSync(file, unchained);
    assert.throws(() => verifyTdbStore(dir), /on no hash chain/);
    const lostFree = Buffer.from(good);
    lostFree.writeUInt32LE(0, HDR.freeHead);
    fs.writeFileSync(file, lostFree);
    assert.throws(() => verifyTdbStore(dir), /not on the free list/);
  });
});

test('tdb: a store dir that cannot be created fails at once with EINVAL (it used to hang under /proc)', () => {
  // In a child with a timeout: the bug this pins was a synchronous hang.
  const script = `
    import { createEngine, isXsError } from './engines/index.ts';
    try { createEngine('tdb', { dir: '/proc/no/such' }); console.log('created'); }
    catch (e) { console.log(isXsError(e, 'EINVAL') ? e.message : 'other: ' + e); }`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: path.resolve(import.meta.dirname, '../..'), timeout: 30_000, encoding: 'utf8',
  });
  assert.equal(child.signal, null, 'createEngine hung');
  assert.match(child.stdout.trim(), /^EINVAL: tdb: cannot create store dir \/proc\/no\/such: ENOENT/);
  withDir((dir) => {
    fs.writeFileSync(path.join(dir, 'file'), '');
    assert.throws(() => createEngine('tdb', { dir: path.join(dir, 'file', 'sub') }), (e: unknown) => isXsError(e, 'EINVAL') && /is not a directory/.test(e.message));
    const nested = path.join(dir, 'a', 'b', 'c');
    createEngine('tdb', { dir: nested }).close();
    assert.ok(fs.existsSync(path.join(nested, TDB_FILE_NAME)));
  });
});
