/**
 * Offline consistency check of a `tdb` store file (xenstored's check_store,
 * plus TDB-level checks), parsed independently of the engine's code paths:
 * records tile the data area exactly; every live record is on exactly one
 * hash chain, in the right bucket, with the right hash; the free list holds
 * exactly the free records, without loops; header counts agree; keys are
 * unique; and the tree is whole (every listed child exists, every node but
 * `/` is listed once by its existing parent).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import {
  DATA_START, FILE_MAGIC, FILE_VERSION, HASH_SIZE, HDR, REC, RECORD_HEADER, REC_FREE, REC_LIVE,
  bucketOffset, decodeNode, hashKey,
} from './layout.ts';

/** One node of a store snapshot. */
export interface SnapshotNode {
  readonly value: string;
  readonly perms: readonly string[];
  readonly children: readonly string[];
}

/** Every node of a store, by path. */
export type StoreSnapshot = Map<string, SnapshotNode>;

/**
 * Checks the store file `tdb` in `dir` (run it on a closed store, after the
 * engine's reopen rolled back any journal) and returns its nodes. Throws an
 * Error listing every problem found.
 */
export function verifyTdbStore(dir: string): StoreSnapshot {
  const buf = fs.readFileSync(nodePath.join(dir, 'tdb'));
  const problems: string[] = [];
  const fail = (m: string) => {
    if (problems.length < 50) problems.push(m);
  };
  if (buf.length < DATA_START || !buf.subarray(0, 8).equals(FILE_MAGIC)) throw new Error('not a tdb file');
  if (buf.readUInt32LE(HDR.version) !== FILE_VERSION) fail('bad version');
  if (buf.readUInt32LE(HDR.hashSize) !== HASH_SIZE) fail('bad hash size');
  const dataEnd = buf.readUInt32LE(HDR.dataEnd);
  if (dataEnd !== buf.length) fail(`data end ${dataEnd} != file size ${buf.length}`);

  // Tile the data area.
  const live = new Set<number>();
  const free = new Set<number>();
  let off = DATA_START;
  while (off < dataEnd) {
    if (off + RECORD_HEADER > dataEnd) {
      fail(`truncated record header at ${off}`);
      break;
    }
    const magic = buf.readUInt32LE(off + REC.magic);
    const cap = buf.readUInt32LE(off + REC.capacity);
    if (off + RECORD_HEADER + cap > dataEnd) {
      fail(`record at ${off} runs past the end`);
      break;
    }
    if (magic === REC_LIVE) {
      if (buf.readUInt32LE(off + REC.keyLen) + buf.readUInt32LE(off + REC.dataLen) > cap) fail(`record at ${off} overflows`);
      live.add(off);
    } else if (magic === REC_FREE) {
      free.add(off);
    } else {
      fail(`bad magic at ${off}`);
      break;
    }
    off += RECORD_HEADER + cap;
  }

  // Hash chains.
  const nodes: StoreSnapshot = new Map();
  const reached = new Set<number>();
  for (let b = 0; b < HASH_SIZE; b++) {
    let r = buf.readUInt32LE(bucketOffset(b));
    while (r !== 0) {
      if (!live.has(r)) {
        fail(`bucket ${b} points to ${r}, not a live record`);
        break;
      }
      if (reached.has(r)) {
        fail(`record ${r} reached twice (loop or shared chain)`);
        break;
      }
      reached.add(r);
      const keyLen = buf.readUInt32LE(r + REC.keyLen);
      const dataLen = buf.readUInt32LE(r + REC.dataLen);
      const hash = buf.readUInt32LE(r + REC.hash);
      const key = buf.subarray(r + RECORD_HEADER, r + RECORD_HEADER + keyLen);
      if (hashKey(key) !== hash) fail(`record ${r} has a wrong hash`);
      if (hash % HASH_SIZE !== b) fail(`record ${r} in bucket ${b}, hash says ${hash % HASH_SIZE}`);
      const path = key.toString('latin1');
      if (nodes.has(path)) fail(`key ${path} stored twice`);
      try {
        nodes.set(path, decodeNode(buf, r + RECORD_HEADER + keyLen, dataLen));
      } catch (e) {
        fail(`record ${r}: ${(e as Error).message}`);
      }
      r = buf.readUInt32LE(r + REC.next);
    }
  }
  for (const r of live) if (!reached.has(r)) fail(`live record ${r} is on no hash chain`);

  // Free list.
  const onList = new Set<number>();
  let f = buf.readUInt32LE(HDR.freeHead);
  while (f !== 0) {
    if (!free.has(f)) {
      fail(`free list points to ${f}, not a free record`);
      break;
    }
    if (onList.has(f)) {
      fail(`free list loops at ${f}`);
      break;
    }
    onList.add(f);
    f = buf.readUInt32LE(f + REC.next);
  }
  for (const r of free) if (!onList.has(r)) fail(`free record ${r} is not on the free list`);
  if (buf.readUInt32LE(HDR.recordCount) !== live.size) fail(`header says ${buf.readUInt32LE(HDR.recordCount)} records, found ${live.size}`);
  if (buf.readUInt32LE(HDR.freeCount) !== free.size) fail(`header says ${buf.readUInt32LE(HDR.freeCount)} free, found ${free.size}`);

  // Tree.
  if (!nodes.has('/')) fail('no root node');
  for (const [path, node] of nodes) {
    if (new Set(node.children).size !== node.children.length) fail(`${path} lists a child twice`);
    for (const name of node.children) {
      const child = path === '/' ? `/${name}` : `${path}/${name}`;
      if (!nodes.has(child)) fail(`${path} lists missing child ${name}`);
    }
    if (path === '/') continue;
    const cut = path.lastIndexOf('/');
    const parent = nodes.get(cut === 0 ? '/' : path.slice(0, cut));
    if (!parent) fail(`${path} has no parent`);
    else if (!parent.children.includes(path.slice(cut + 1))) fail(`${path} not listed by its parent`);
  }
  if (problems.length) throw new Error(`tdb store ${dir} is inconsistent:\n  ${problems.join('\n  ')}`);
  return nodes;
}
