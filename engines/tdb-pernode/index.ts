/**
 * The `tdb-pernode` engine: the C xenstored since Xen 4.9, as 4.17's
 * cxenstored behaves with its default in-memory TDB (modelled as an
 * in-memory map of node records).
 *
 * Facts (read from Xen 4.17 `tools/xenstore/xenstored_transaction.c` and
 * `xenstored_core.c`; no code copied):
 * - every node record carries a generation; every modification gives the
 *   node a fresh value of one global counter (`access_node`, write/delete);
 * - a transaction does not copy the store. It keeps the list of nodes it
 *   accessed: the FIRST read of a node copies the committed record into the
 *   transaction (later reads see that copy, or the transaction's own
 *   writes) and remembers its generation, or "no generation" when the node
 *   was missing (`read_node` → `access_node(NODE_ACCESS_READ)`);
 * - lookups that fail with ENOENT also read the ancestors up to the first
 *   existing one (`get_node` → `errno_from_parents` → `ask_parents`), so they
 *   are accessed too; creating a node reads and rewrites its parent (child
 *   list); a write always reads the node first (`get_node`);
 * - commit (`finalize_transaction`) fails with EAGAIN when any node read by
 *   the transaction now has another generation (changed, deleted, or created
 *   since it was read as missing); otherwise every modified record is written
 *   to the store with a fresh generation, every deleted one removed.
 */
import { XsError } from '../common/errors.ts';
import { baseName, childPath, parentPath, validateAbsolutePath, validateValue } from '../common/paths.ts';
import { ROOT_PERMS, checkAccess, hasAccess, inheritPerms, permsOwner, validatePerms } from '../common/perms.ts';
import type { Access } from '../common/perms.ts';
import type { EngineOperations, EngineOptions } from '../types.ts';
import { CountedEngine, zeroCounters } from '../counted.ts';
import { DEFAULT_MAX_NODES_PER_DOMAIN } from '../types.ts';

/**
 * Most nodes a guest's transaction may access (cxenstored `quota_trans_nodes`,
 * default 1024): past it the request fails with ENOSPC and the transaction
 * can no longer commit. dom0 is exempt.
 */
export const MAX_NODES_PER_TRANSACTION = 1024;

/** Generation of a node that does not exist (cxenstored's NO_GENERATION). */
const NO_GENERATION = -1;

/** One node record, replaced (never mutated) on every change. */
interface NodeRecord {
  readonly value: string;
  readonly perms: readonly string[];
  /** Child names in creation order (cxenstored appends). */
  readonly children: readonly string[];
  readonly generation: number;
}

/** A node a transaction accessed (cxenstored's `struct accessed_node`). */
interface AccessedNode {
  /** Generation seen at the first read, or NO_GENERATION. */
  readonly generation: number;
  /** Whether the commit must compare the generation (first access was a read). */
  readonly checkGeneration: boolean;
  /** The transaction's view of the node (`null` = missing or deleted). */
  view: NodeRecord | null;
  modified: boolean;
}

interface Transaction {
  readonly domid: number;
  readonly accessed: Map<string, AccessedNode>;
  /** Paths to report for watches on commit, in first-change order. */
  readonly watchPaths: Set<string>;
  /** Change of node counts per owner domain made by this transaction. */
  readonly entryDelta: Map<number, number>;
  /** Set when an operation failed half-way (cxenstored: `fail_transaction`, ENOMEM at commit). */
  failed: boolean;
}

/** Every counter, in the order results show them. */
export const TDB_PERNODE_COUNTER_NAMES = [
  'reads', 'writes', 'directories', 'rms', 'mkdirs', 'getPerms', 'setPerms',
  'txStarts', 'commits', 'aborts', 'voluntaryAborts', 'conflicts', 'failedCommits',
  'nodesAccessed', 'generationChecks',
] as const;

/** Name of a `tdb-pernode` counter. */
export type TdbPernodeCounterName = (typeof TDB_PERNODE_COUNTER_NAMES)[number];

/**
 * Every counter (the common ones are in engines/types.ts: `aborts` counts
 * EAGAIN refusals only, as in every engine).
 */
export type TdbPernodeCounters = Record<TdbPernodeCounterName, number>;

/**
 * The engine's work:
 * - `conflicts`: commits refused with EAGAIN — the same as `aborts` (the
 *   name this engine used for them before `aborts` meant only that);
 * - `failedCommits`: commits refused otherwise: ENOMEM (an operation of the
 *   transaction failed half-way) or EQUOTA (the commit would exceed a
 *   domain's node quota);
 * - `nodesAccessed`: entries added to transactions' accessed lists;
 * - `generationChecks`: generations compared at commit.
 */
export type TdbPernodeWorkCounters = Record<'conflicts' | 'failedCommits' | 'nodesAccessed' | 'generationChecks', number>;

/** The engine's operations; {@link TdbPernodeEngine} counts around them. */
class TdbPernodeOperations implements EngineOperations {
  readonly kind = 'tdb-pernode' as const;
  readonly #nodes = new Map<string, NodeRecord>();
  readonly #transactions = new Map<number, Transaction>();
  /** Nodes owned per domain (quota accounting of the committed store). */
  readonly #entries = new Map<number, number>();
  readonly #maxNodesPerDomain: number;
  readonly #counters: TdbPernodeWorkCounters;
  #generation = 0;
  #nextTxId = 1;
  #closed = false;

  constructor(options: EngineOptions, counters: TdbPernodeWorkCounters) {
    this.#maxNodesPerDomain = options.maxNodesPerDomain ?? DEFAULT_MAX_NODES_PER_DOMAIN;
    this.#counters = counters;
    this.#nodes.set('/', { value: '', perms: ROOT_PERMS, children: [], generation: ++this.#generation });
  }

  read(domid: number, txId: number, path: string): string {
    const tx = this.#enter(domid, txId);
    return this.#getNode(tx, domid, absolute(path), 'read').value;
  }

  directory(domid: number, txId: number, path: string): string[] {
    const tx = this.#enter(domid, txId);
    return this.#getNode(tx, domid, absolute(path), 'read').children.slice();
  }

  getPerms(domid: number, txId: number, path: string): string[] {
    const tx = this.#enter(domid, txId);
    return this.#getNode(tx, domid, absolute(path), 'read').perms.slice();
  }

  write(domid: number, txId: number, path: string, value: string): void {
    const tx = this.#enter(domid, txId);
    const full = absolute(path);
    validateValue(value);
    const node = this.#getNodeOrMissing(tx, domid, full, 'write');
    if (node === null) {
      this.#createNode(tx, domid, full, value);
    } else {
      this.#writeNode(tx, full, { ...node, value });
    }
    if (tx) tx.watchPaths.add(full);
  }

  mkdir(domid: number, txId: number, path: string): void {
    const tx = this.#enter(domid, txId);
    const full = absolute(path);
    if (this.#getNodeOrMissing(tx, domid, full, 'write') !== null) return;
    this.#createNode(tx, domid, full, '');
    if (tx) tx.watchPaths.add(full);
  }

  rm(domid: number, txId: number, path: string): void {
    const tx = this.#enter(domid, txId);
    const full = absolute(path);
    const node = this.#getNodeOrMissing(tx, domid, full, 'write');
    if (node === null) {
      // Removing a missing node is fine when its parent exists (do_rm).
      if (full !== '/' && this.#readNode(tx, parentPath(full)) !== null) return;
      throw new XsError('ENOENT', full);
    }
    if (full === '/') throw new XsError('EINVAL', 'cannot remove /');
    const parent = this.#readNode(tx, parentPath(full));
    if (parent === null) throw new XsError('EINVAL', `parent of ${full} is missing`);
    this.#deleteTree(tx, full);
    const name = baseName(full);
    // A transaction can see a node committed after it copied the parent,
    // whose child list then lacks the name: cxenstored reports "corrupt"
    // and answers EIO, with the subtree already deleted in the transaction
    // (seen in the differential test against the real daemon).
    if (!parent.children.includes(name)) throw new XsError('EIO', `${name} is not a child of ${parentPath(full)}`);
    this.#writeNode(tx, parentPath(full), { ...parent, children: parent.children.filter((c) => c !== name) });
  }

  setPerms(domid: number, txId: number, path: string, perms: string[]): void {
    const tx = this.#enter(domid, txId);
    const full = absolute(path);
    validatePerms(perms);
    const node = this.#getNode(tx, domid, full, 'write');
    if (domid !== 0 && permsOwner(node.perms) !== domid) throw new XsError('EACCES', `dom${domid} does not own ${full}`);
    if (domid !== 0 && permsOwner(perms) !== permsOwner(node.perms)) throw new XsError('EPERM', 'only dom0 may change the owner');
    const oldOwner = permsOwner(node.perms);
    const newOwner = permsOwner(perms);
    if (oldOwner !== newOwner) {
      this.#countEntry(tx, oldOwner, -1);
      this.#countEntry(tx, newOwner, +1);
    }
    this.#writeNode(tx, full, { ...node, perms: perms.slice() });
    if (tx) tx.watchPaths.add(full);
  }

  txStart(domid: number): number {
    this.#checkOpen();
    const id = this.#nextTxId++;
    // Transaction start bumps the global generation in cxenstored too.
    this.#generation++;
    this.#transactions.set(id, {
      domid, accessed: new Map(), watchPaths: new Set(), entryDelta: new Map(), failed: false,
    });
    return id;
  }

  txEnd(domid: number, txId: number, commit: boolean): string[] {
    this.#checkOpen();
    const tx = this.#transactions.get(txId);
    if (tx === undefined || tx.domid !== domid) throw new XsError('ENOENT', `no transaction ${txId}`);
    this.#transactions.delete(txId);
    if (!commit) return [];
    if (tx.failed) {
      this.#counters.failedCommits++;
      throw new XsError('ENOMEM', 'transaction failed half-way');
    }
    for (const [path, acc] of tx.accessed) {
      if (!acc.checkGeneration) continue;
      this.#counters.generationChecks++;
      const current = this.#nodes.get(path);
      if ((current === undefined ? NO_GENERATION : current.generation) !== acc.generation) {
        this.#counters.conflicts++;
        throw new XsError('EAGAIN', `${path} changed since the transaction accessed it`);
      }
    }
    if (domid !== 0) {
      for (const [owner, delta] of tx.entryDelta) {
        if (delta > 0 && owner !== 0 && (this.#entries.get(owner) ?? 0) + delta > this.#maxNodesPerDomain) {
          this.#counters.failedCommits++;
          throw new XsError('EQUOTA', `dom${owner} would own more than ${this.#maxNodesPerDomain} nodes`);
        }
      }
    }
    for (const [path, acc] of tx.accessed) {
      if (!acc.modified) continue;
      if (acc.view === null) this.#nodes.delete(path);
      else this.#nodes.set(path, { ...acc.view, generation: ++this.#generation });
    }
    for (const [owner, delta] of tx.entryDelta) this.#entries.set(owner, (this.#entries.get(owner) ?? 0) + delta);
    return [...tx.watchPaths];
  }

  close(): void {
    this.#closed = true;
    this.#nodes.clear();
    this.#transactions.clear();
  }

  #checkOpen(): void {
    if (this.#closed) throw new XsError('EIO', 'engine is closed');
  }

  /** Checks the engine is open and finds the transaction (`null` outside one). */
  #enter(domid: number, txId: number): Transaction | null {
    this.#checkOpen();
    if (txId === 0) return null;
    const tx = this.#transactions.get(txId);
    if (tx === undefined || tx.domid !== domid) throw new XsError('ENOENT', `no transaction ${txId}`);
    return tx;
  }

  /**
   * The node as the caller sees it (read_node): in a transaction, the first
   * access records the committed record and its generation.
   */
  #readNode(tx: Transaction | null, path: string): NodeRecord | null {
    const committed = this.#nodes.get(path) ?? null;
    if (tx === null) return committed;
    const acc = tx.accessed.get(path);
    if (acc !== undefined) return acc.view;
    this.#checkTransactionNodes(tx);
    this.#counters.nodesAccessed++;
    tx.accessed.set(path, {
      generation: committed === null ? NO_GENERATION : committed.generation,
      checkGeneration: true,
      view: committed,
      modified: false,
    });
    return committed;
  }

  #checkTransactionNodes(tx: Transaction): void {
    if (tx.domid !== 0 && tx.accessed.size >= MAX_NODES_PER_TRANSACTION) {
      tx.failed = true;
      throw new XsError('ENOSPC', `a transaction may access at most ${MAX_NODES_PER_TRANSACTION} nodes`);
    }
  }

  #access(tx: Transaction, path: string): AccessedNode {
    let acc = tx.accessed.get(path);
    if (acc === undefined) {
      // First access is a modification: nothing to compare at commit.
      this.#checkTransactionNodes(tx);
      this.#counters.nodesAccessed++;
      acc = { generation: NO_GENERATION, checkGeneration: false, view: null, modified: false };
      tx.accessed.set(path, acc);
    }
    return acc;
  }

  #writeNode(tx: Transaction | null, path: string, node: NodeRecord): void {
    const record = { ...node, generation: ++this.#generation };
    if (tx === null) {
      this.#nodes.set(path, record);
      return;
    }
    const acc = this.#access(tx, path);
    acc.view = record;
    acc.modified = true;
  }

  #deleteNode(tx: Transaction | null, path: string): void {
    this.#generation++;
    if (tx === null) {
      this.#nodes.delete(path);
      return;
    }
    const acc = this.#access(tx, path);
    acc.view = null;
    acc.modified = true;
  }

  /** get_node: the node, checked for `access`; ENOENT/EACCES as cxenstored decides them. */
  #getNode(tx: Transaction | null, domid: number, path: string, access: Access): NodeRecord {
    const node = this.#getNodeOrMissing(tx, domid, path, access);
    if (node === null) throw new XsError('ENOENT', path);
    return node;
  }

  /** Like {@link #getNode} but returns `null` for ENOENT (write, mkdir and rm create or ignore). */
  #getNodeOrMissing(tx: Transaction | null, domid: number, path: string, access: Access): NodeRecord | null {
    const node = this.#readNode(tx, path);
    if (node !== null && hasAccess(node.perms, domid, access)) return node;
    // errno_from_parents: the first existing ancestor decides whether the
    // caller may learn that the node is missing; the walk accesses each one.
    let ancestor: NodeRecord | null = null;
    let p = path;
    while (ancestor === null && p !== '/') {
      p = parentPath(p);
      ancestor = this.#readNode(tx, p);
    }
    if (node !== null || (ancestor !== null && !hasAccess(ancestor.perms, domid, access))) {
      throw new XsError('EACCES', `dom${domid} may not ${access} ${path}`);
    }
    return null;
  }

  /** create_node: constructs missing ancestors, writes bottom up. */
  #createNode(tx: Transaction | null, domid: number, path: string, value: string): void {
    const missing: string[] = [path];
    let parentName = parentPath(path);
    let parent = this.#readNode(tx, parentName);
    while (parent === null) {
      missing.push(parentName);
      parentName = parentPath(parentName);
      parent = this.#readNode(tx, parentName);
    }
    checkAccess(parent.perms, domid, 'write', parentName);
    // Every new node is owned by the creator (inheritPerms): refuse before creating any.
    const creatorOwner = permsOwner(inheritPerms(parent.perms, domid));
    if (domid !== 0 && creatorOwner !== 0
      && this.#entryCount(tx, creatorOwner) + missing.length > this.#maxNodesPerDomain) {
      throw new XsError('EQUOTA', `dom${creatorOwner} may own at most ${this.#maxNodesPerDomain} nodes`);
    }
    // Built top-down (each new node inherits from its parent), written bottom-up.
    const built: Array<[string, NodeRecord]> = [];
    let parentPerms = parent.perms;
    const top: NodeRecord = { ...parent, children: [...parent.children, baseName(missing[missing.length - 1]!)] };
    for (let i = missing.length - 1; i >= 0; i--) {
      const name = missing[i]!;
      const perms = inheritPerms(parentPerms, domid);
      this.#countEntry(tx, permsOwner(perms), +1);
      const children = i > 0 ? [baseName(missing[i - 1]!)] : [];
      built.push([name, { value: i === 0 ? value : '', perms, children, generation: 0 }]);
      parentPerms = perms;
    }
    for (let i = built.length - 1; i >= 0; i--) this.#writeNode(tx, built[i]![0], built[i]![1]);
    // The existing parent (its child list) is written last, as cxenstored does.
    this.#writeNode(tx, parentName, top);
  }

  /** walk_node_tree + delnode_sub: reads every node of the subtree, deletes children first. */
  #deleteTree(tx: Transaction | null, path: string): void {
    const node = this.#readNode(tx, path);
    if (node === null) return;
    for (const child of node.children) this.#deleteTree(tx, childPath(path, child));
    this.#countEntry(tx, permsOwner(node.perms), -1);
    this.#deleteNode(tx, path);
    if (tx) tx.watchPaths.add(path);
  }

  #entryCount(tx: Transaction | null, owner: number): number {
    return (this.#entries.get(owner) ?? 0) + (tx?.entryDelta.get(owner) ?? 0);
  }

  #countEntry(tx: Transaction | null, owner: number, delta: number): void {
    if (owner === 0) return;
    const map = tx === null ? this.#entries : tx.entryDelta;
    map.set(owner, (map.get(owner) ?? 0) + delta);
  }
}

/** Engines take absolute paths only (the daemon resolves relative ones). */
function absolute(path: string): string {
  validateAbsolutePath(path);
  return path;
}

/** The `tdb-pernode` engine: {@link TdbPernodeOperations} with its counters. */
export class TdbPernodeEngine extends CountedEngine<TdbPernodeCounterName> {
  constructor(options: EngineOptions = {}) {
    const counters = zeroCounters(TDB_PERNODE_COUNTER_NAMES);
    super(new TdbPernodeOperations(options, counters), counters);
  }
}

/** Creates a `tdb-pernode` engine (in memory; `options.dir` and `options.storage` are not used). */
export function createTdbPernodeEngine(options: EngineOptions): TdbPernodeEngine {
  return new TdbPernodeEngine(options);
}
