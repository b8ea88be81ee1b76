/**
 * The `tdb` engine: the 2009 C xenstored on its TDB file (README.md). Every
 * operation reads and writes records of a real file at offsets, under a real
 * exclusive lock on that file; a transaction works on a full copy of the
 * file; commit renames the copy over the live file unless the global
 * generation moved since the transaction started (then EAGAIN).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { XsError } from '../common/errors.ts';
import { baseName, parentPath, validateAbsolutePath, validateValue } from '../common/paths.ts';
import { ROOT_PERMS, checkAccess, inheritPerms, permsOwner, validatePerms } from '../common/perms.ts';
import { DEFAULT_MAX_NODES_PER_DOMAIN } from '../types.ts';
import type { EngineKind, EngineOperations, EngineOptions } from '../types.ts';
import { CountedEngine, zeroCounters } from '../counted.ts';
import { TDB_COUNTER_NAMES } from './counters.ts';
import type { TdbCounterName } from './counters.ts';
import { TdbFile } from './file.ts';
import type { Counters } from './file.ts';
import { UndoJournal } from './journal.ts';
import { crashPoint } from './crash.ts';
import type { NodeData } from './layout.ts';
import { FileStorage } from './storage.ts';
import type { StorageBackend } from './storage.ts';
import { MemoryStorage } from './memory-storage.ts';

/** Name of the live database file inside the store directory. */
export const TDB_FILE_NAME = 'tdb';
/** Name of the undo journal beside it. */
export const TDB_JOURNAL_NAME = 'tdb.journal';
/** Prefix of transaction copies (`tdb.tx<id>`), removed when a store is reopened. */
export const TDB_COPY_PREFIX = 'tdb.tx';

interface Transaction {
  readonly id: number;
  readonly domid: number;
  readonly file: TdbFile;
  /** Name of the transaction's copy in the store's storage. */
  readonly copyName: string;
  /** Global generation when the transaction started. */
  readonly generation: number;
  /** Paths changed, in order, each once (xenstored's add_change_node). */
  readonly changes: string[];
  readonly changeSet: Set<string>;
  /** Change of each owner's node count (xenstored's changed_domains). */
  readonly ownerDeltas: Map<number, number>;
}

/**
 * The storage backend that `options` ask for. `file` (the default) uses
 * `options.dir`, created if missing, or a fresh temp dir removed on close;
 * `memory` takes no dir. An unusable dir fails here, at once, with EINVAL.
 */
function openStorage(options: EngineOptions): StorageBackend {
  const kind = options.storage ?? 'file';
  if (kind === 'memory') {
    if (options.dir !== undefined) throw new XsError('EINVAL', 'tdb: a memory store takes no dir (dir is for storage "file")');
    return new MemoryStorage();
  }
  if (kind !== 'file') throw new XsError('EINVAL', `tdb: unknown storage ${JSON.stringify(kind)}; expected "file" or "memory"`);
  if (options.dir === undefined) return new FileStorage(fs.mkdtempSync(nodePath.join(os.tmpdir(), 'xstorm-tdb-')), true);
  makeDirectory(options.dir);
  return new FileStorage(options.dir, false);
}

/**
 * `mkdir -p`, one level at a time. (Node's recursive mkdirSync never returns
 * for a path under /proc: it retries the ENOENT of a parent it cannot create.)
 */
function makeDirectory(dir: string): void {
  const full = nodePath.resolve(dir);
  const missing: string[] = [];
  for (let at = full; !isDirectory(at); at = nodePath.dirname(at)) {
    if (fs.existsSync(at)) throw new XsError('EINVAL', `tdb: store dir ${dir}: ${at} is not a directory`);
    missing.push(at);
    if (nodePath.dirname(at) === at) break;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      fs.mkdirSync(missing[i]!);
    } catch (error) {
      throw new XsError('EINVAL', `tdb: cannot create store dir ${dir}: ${(error as Error).message}`);
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The engine's operations; {@link TdbEngine} counts around them. */
class TdbOperations implements EngineOperations {
  readonly kind: EngineKind = 'tdb';
  readonly #storage: StorageBackend;
  readonly #maxNodes: number;
  readonly #c: Counters;
  readonly #journal: UndoJournal;
  readonly #txs = new Map<number, Transaction>();
  /** Nodes owned by each domain, kept in memory like xenstored's per-domain entry count. */
  readonly #owners = new Map<number, number>();
  #live: TdbFile;
  #generation = 0;
  #nextTxId = 1;
  #closed = false;

  constructor(options: EngineOptions, counters: Counters) {
    this.#c = counters;
    this.#maxNodes = options.maxNodesPerDomain ?? DEFAULT_MAX_NODES_PER_DOMAIN;
    this.#storage = openStorage(options);
    const storage = this.#storage;
    for (const name of storage.list()) {
      if (name.startsWith(TDB_COPY_PREFIX) || name === `${TDB_FILE_NAME}.init`) storage.remove(name);
    }
    if (!storage.exists(TDB_FILE_NAME)) this.#initialise();
    this.#live = TdbFile.open(storage, TDB_FILE_NAME, this.#c);
    this.#journal = new UndoJournal(storage.openOrCreate(TDB_JOURNAL_NAME), this.#c);
    this.#c.fileOpens++;
    this.#lock(this.#live);
    try {
      this.#journal.recover(this.#live);
      if (this.#live.storage.physicalSize() > this.#live.size) this.#live.storage.truncate(this.#live.size);
      if (!this.#live.fetchNode('/')) throw new Error(`${this.#live.path}: store has no root node`);
      this.#live.traverse((_path, node) => this.#addOwned(null, permsOwner(node.perms), 1));
    } finally {
      this.#unlock(this.#live);
    }
    // Counters count the work of operations, not of opening the store.
    for (const name of Object.keys(this.#c) as (keyof Counters)[]) this.#c[name] = 0;
  }

  /** A fresh store holds only `/`; built under another name and renamed so a crash never leaves half a file. */
  #initialise(): void {
    const initName = `${TDB_FILE_NAME}.init`;
    const file = TdbFile.create(this.#storage, initName, this.#c);
    file.storeNode('/', { perms: [...ROOT_PERMS], value: '', children: [] });
    file.close();
    this.#storage.rename(initName, TDB_FILE_NAME);
  }

  // ---- plumbing ----------------------------------------------------------

  #lock(file: TdbFile): void {
    file.storage.lock();
    this.#c.lockAcquisitions++;
  }

  #unlock(file: TdbFile): void {
    file.storage.unlock();
  }

  #tx(domid: number, txId: number): Transaction | null {
    if (this.#closed) throw new XsError('EINVAL', 'engine is closed');
    if (txId === 0) return null;
    const tx = this.#txs.get(txId);
    if (!tx || tx.domid !== domid) throw new XsError('ENOENT', `no transaction ${txId} for dom${domid}`);
    return tx;
  }

  /**
   * Runs one operation on the transaction's copy or on the live file, under
   * the file's lock. On the live file the operation is journalled, so it is
   * all-or-nothing even if the process dies half-way.
   */
  #run<T>(tx: Transaction | null, fn: (file: TdbFile) => T): T {
    const file = tx ? tx.file : this.#live;
    this.#lock(file);
    try {
      if (tx) return fn(file);
      this.#journal.begin(file);
      let result: T;
      try {
        result = fn(file);
      } catch (e) {
        this.#journal.rollback(file);
        throw e;
      }
      this.#journal.end(file);
      return result;
    } finally {
      this.#unlock(file);
    }
  }

  #changed(tx: Transaction | null, path: string): void {
    if (!tx) {
      this.#generation++; // a write outside a transaction changes the global database
      return;
    }
    if (!tx.changeSet.has(path)) {
      tx.changeSet.add(path);
      tx.changes.push(path);
    }
  }

  #owned(tx: Transaction | null, owner: number): number {
    return (this.#owners.get(owner) ?? 0) + (tx?.ownerDeltas.get(owner) ?? 0);
  }

  #addOwned(tx: Transaction | null, owner: number, delta: number): void {
    const map = tx ? tx.ownerDeltas : this.#owners;
    map.set(owner, (map.get(owner) ?? 0) + delta);
  }

  #get(file: TdbFile, path: string): NodeData {
    const node = file.fetchNode(path);
    if (!node) throw new XsError('ENOENT', path);
    return node;
  }

  /**
   * Creates `path` and any missing parents (xenstored's create_node): the
   * new nodes are written deepest first and the existing ancestor, which
   * gains the child name, last.
   */
  #create(file: TdbFile, tx: Transaction | null, domid: number, path: string, value: string): void {
    const missing = [path];
    let ancestorPath = parentPath(path);
    let ancestor = file.fetchNode(ancestorPath);
    while (!ancestor) {
      missing.push(ancestorPath);
      ancestorPath = parentPath(ancestorPath);
      ancestor = file.fetchNode(ancestorPath);
    }
    checkAccess(ancestor.perms, domid, 'write', path);
    const perms = [...inheritPerms(ancestor.perms, domid)];
    const owner = permsOwner(perms);
    if (owner !== 0 && this.#owned(tx, owner) + missing.length > this.#maxNodes) {
      throw new XsError('EQUOTA', `dom${owner} would own more than ${this.#maxNodes} nodes`);
    }
    for (let i = 0; i < missing.length; i++) {
      const below = i === 0 ? null : missing[i - 1]!;
      file.storeNode(missing[i]!, {
        perms,
        value: i === 0 ? value : '',
        children: below === null ? [] : [baseName(below)],
      });
    }
    ancestor.children.push(baseName(missing[missing.length - 1]!));
    file.storeNode(ancestorPath, ancestor);
    this.#addOwned(tx, owner, missing.length);
  }

  /** Deletes a node record, then its children's (xenstored's delete_node order). */
  #deleteTree(file: TdbFile, tx: Transaction | null, path: string, node: NodeData): void {
    file.deleteNode(path);
    this.#addOwned(tx, permsOwner(node.perms), -1);
    const prefix = path === '/' ? '/' : `${path}/`;
    for (const name of node.children) {
      const childPath = prefix + name;
      const child = file.fetchNode(childPath);
      if (!child) throw new Error(`tdb: child ${childPath} listed but missing`);
      this.#deleteTree(file, tx, childPath, child);
    }
  }

  // ---- Engine ------------------------------------------------------------

  read(domid: number, txId: number, path: string): string {
    const tx = this.#tx(domid, txId);
    validateAbsolutePath(path);
    return this.#run(tx, (file) => {
      const node = this.#get(file, path);
      checkAccess(node.perms, domid, 'read', path);
      return node.value;
    });
  }

  write(domid: number, txId: number, path: string, value: string): void {
    const tx = this.#tx(domid, txId);
    validateAbsolutePath(path);
    validateValue(value);
    this.#run(tx, (file) => {
      const node = file.fetchNode(path);
      if (node) {
        checkAccess(node.perms, domid, 'write', path);
        node.value = value;
        file.storeNode(path, node);
      } else {
        this.#create(file, tx, domid, path, value);
      }
    });
    this.#changed(tx, path);
  }

  mkdir(domid: number, txId: number, path: string): void {
    const tx = this.#tx(domid, txId);
    validateAbsolutePath(path);
    const created = this.#run(tx, (file) => {
      const node = file.fetchNode(path);
      if (node) {
        checkAccess(node.perms, domid, 'write', path);
        return false;
      }
      this.#create(file, tx, domid, path, '');
      return true;
    });
    if (created) this.#changed(tx, path);
  }

  rm(domid: number, txId: number, path: string): void {
    const tx = this.#tx(domid, txId);
    validateAbsolutePath(path);
    if (path === '/') throw new XsError('EINVAL', 'cannot remove /');
    const removed = this.#run(tx, (file) => {
      const node = file.fetchNode(path);
      if (!node) {
        // xenstored: removing a missing node is fine if its parent exists.
        if (file.fetchNode(parentPath(path))) return false;
        throw new XsError('ENOENT', path);
      }
      checkAccess(node.perms, domid, 'write', path);
      const parent = this.#get(file, parentPath(path));
      const name = baseName(path);
      const at = parent.children.indexOf(name);
      if (at < 0) throw new Error(`tdb: ${path} missing from its parent's children`);
      parent.children.splice(at, 1);
      file.storeNode(parentPath(path), parent); // unlink from the parent first, like xenstored's _rm
      this.#deleteTree(file, tx, path, node);
      return true;
    });
    if (removed) this.#changed(tx, path);
  }

  directory(domid: number, txId: number, path: string): string[] {
    const tx = this.#tx(domid, txId);
    validateAbsolutePath(path);
    return this.#run(tx, (file) => {
      const node = this.#get(file, path);
      checkAccess(node.perms, domid, 'read', path);
      return node.children;
    });
  }

  getPerms(domid: number, txId: number, path: string): string[] {
    const tx = this.#tx(domid, txId);
    validateAbsolutePath(path);
    return this.#run(tx, (file) => {
      const node = this.#get(file, path);
      checkAccess(node.perms, domid, 'read', path);
      return node.perms;
    });
  }

  setPerms(domid: number, txId: number, path: string, perms: string[]): void {
    const tx = this.#tx(domid, txId);
    validateAbsolutePath(path);
    validatePerms(perms);
    this.#run(tx, (file) => {
      const node = this.#get(file, path);
      // xenstored asks for WRITE|OWNER: only the owner (or dom0) may change permissions.
      if (domid !== 0 && permsOwner(node.perms) !== domid) {
        throw new XsError('EACCES', `dom${domid} does not own ${path}`);
      }
      const before = permsOwner(node.perms);
      node.perms = [...perms];
      file.storeNode(path, node);
      const after = permsOwner(node.perms);
      if (before !== after) {
        this.#addOwned(tx, before, -1);
        this.#addOwned(tx, after, 1);
      }
    });
    this.#changed(tx, path);
  }

  txStart(domid: number): number {
    this.#tx(domid, 0);
    const id = this.#nextTxId++;
    const copyName = `${TDB_COPY_PREFIX}${id}`;
    let file: TdbFile;
    this.#lock(this.#live);
    try {
      // tdb_copy: the whole database goes to a new file, which the transaction opens.
      this.#storage.copy(TDB_FILE_NAME, copyName);
      this.#c.fileCopies++;
      this.#c.bytesCopied += this.#live.size;
      crashPoint('copy-done');
      file = TdbFile.open(this.#storage, copyName, this.#c);
    } finally {
      this.#unlock(this.#live);
    }
    this.#txs.set(id, {
      id, domid, file, copyName,
      generation: this.#generation,
      changes: [],
      changeSet: new Set(),
      ownerDeltas: new Map(),
    });
    return id;
  }

  txEnd(domid: number, txId: number, commit: boolean): string[] {
    const tx = this.#tx(domid, txId);
    if (!tx) throw new XsError('ENOENT', 'transaction 0 cannot be ended');
    this.#txs.delete(txId);
    if (!commit) {
      this.#discard(tx);
      return [];
    }
    // "FIXME: Merge, rather failing on any change." (xenstored_transaction.c)
    if (tx.generation !== this.#generation) {
      this.#discard(tx);
      throw new XsError('EAGAIN', `generation moved from ${tx.generation} to ${this.#generation}`);
    }
    const old = this.#live;
    this.#lock(old);
    try {
      crashPoint('commit-before-rename');
      this.#storage.rename(tx.copyName, TDB_FILE_NAME);
      this.#c.renames++;
      crashPoint('commit-after-rename');
    } finally {
      this.#unlock(old);
    }
    // replace_tdb: the transaction's open handle becomes the live database.
    old.close();
    tx.file.renamed(this.#storage.displayName(TDB_FILE_NAME));
    this.#live = tx.file;
    for (const [owner, delta] of tx.ownerDeltas) this.#addOwned(null, owner, delta);
    this.#generation++;
    return tx.changes;
  }

  #discard(tx: Transaction): void {
    tx.file.close();
    this.#storage.remove(tx.copyName);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const tx of this.#txs.values()) this.#discard(tx);
    this.#txs.clear();
    this.#live.close();
    this.#journal.close();
    this.#storage.dispose();
  }
}

/**
 * The `tdb` engine: {@link TdbOperations} with its counters
 * ({@link TDB_COUNTER_NAMES}; meanings in counters.ts and engines/types.ts).
 */
export class TdbEngine extends CountedEngine<TdbCounterName> {
  constructor(options: EngineOptions = {}) {
    const counters = zeroCounters(TDB_COUNTER_NAMES);
    super(new TdbOperations(options, counters), counters);
  }
}
