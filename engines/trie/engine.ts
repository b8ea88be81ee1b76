/**
 * The `trie` engine: oxenstored as of 2009 (Xen's first import of it,
 * commit f44af66041 "ocaml: Add xenstored implementation", tools/ocaml/xenstored
 * transaction.ml, store.ml, process.ml). FACTS.md §2.
 *
 * Store: an immutable tree of {@link TNode}s; every change copies the path
 * from the changed node up to the root (structural sharing). A transaction
 * keeps the live root at its start (O(1)) and works on its own root. It
 * records the longest common prefix of the paths it read (read low-path) and
 * of the paths it wrote (write low-path). Commit:
 *  - the live root is still the start root → the transaction's root becomes
 *    the live root (only when it wrote something);
 *  - else "coalesce" when, for both low-paths, the node at the low-path is the
 *    same object (`===`) in the start root and the live root and every node
 *    from the root down to it has unchanged permissions, or the node is absent
 *    in both and its parent exists in the live root: the transaction's node at
 *    the write low-path is grafted into the live root;
 *  - else EAGAIN.
 *
 * Semantics taken from the 2009 source (pinned by test/engines/conflicts-2009
 * and properties tests): low-paths are recorded only after an operation
 * succeeded (a read that fails with ENOENT or EACCES is not a recorded read);
 * `write` of an existing node records the node, of a new node its parent;
 * `mkdir` records the created node itself (2009; moved to the parent in 2021)
 * — a write or mkdir that creates missing ancestors records the topmost
 * created one, as process.ml's `create_implicit_path` mkdirs them one by one;
 * `rm` records the parent; `setPerms` the node; read, directory, getPerms the
 * node. A read-only transaction is validated like any other (its read
 * low-path can make it fail with EAGAIN; "do not commit read-only
 * transactions" came in 2017). `directory` lists children oldest first.
 *
 * Semantics shared with every xstorm engine, where 2009 oxenstored differed
 * (store.ml / process.ml / quota.ml of f44af66041):
 *  - created nodes take `inheritPerms` (an unprivileged creator becomes the
 *    owner); 2009 copied the parent's perms unchanged and charged the quota
 *    of the deepest existing node's owner;
 *  - rm of `/` is EINVAL (2009 removed every child of the root); rm of a
 *    missing node is OK only when its parent exists, else ENOENT (2009: always
 *    OK; C xenstored and 4.17 oxenstored: as here);
 *  - quota (EQUOTA) is checked only when nodes are created, atomically for a
 *    write that creates several, against live counts plus the transaction's
 *    own delta (2009 checked every write, created parents one by one, and
 *    copied the whole quota table at transaction start — O(domains));
 *  - read, directory and getPerms of `/` check permissions like any node
 *    (2009: read `/` was EINVAL, ls and getperms `/` skipped the check).
 * A coalesced commit adds the transaction's quota delta to the live counts:
 * equal to 2009's recount of the grafted and replaced subtrees, since the
 * replaced subtree is the transaction's start subtree.
 */
import { XsError } from '../common/errors.ts';
import { PAYLOAD_MAX, commonPathPrefix, parentPath as parentOf, validateAbsolutePath, validateValue } from '../common/paths.ts';
import {
  ROOT_PERMS, checkAccess, inheritPerms, permsOwner, samePerms, validatePerms,
} from '../common/perms.ts';
import type { EngineKind, EngineOperations, EngineOptions } from '../types.ts';
import { CountedEngine, zeroCounters } from '../counted.ts';
import { DEFAULT_MAX_NODES_PER_DOMAIN } from '../types.ts';
import { isValidAbsolutePath } from './validate.ts';
import { NO_KIDS, TNode, kidsEmpty, kidsForEach, kidsGet, kidsRemove, kidsSet } from './node.ts';

/** Largest value (a local copy: imported bindings cost a lookup on every write). */
const MAX_VALUE = PAYLOAD_MAX;
/** A char that is not one byte (validateValue says why, this only picks out what it must see). */
const NOT_A_BYTE = /[^\u0000-\u00ff]/;

/** Every counter, in the order results show them (the simulated driver prices them). */
export const TRIE_COUNTERS = [
  'reads', 'writes', 'directories', 'rms', 'mkdirs', 'getPerms', 'setPerms',
  'txStarts', 'commits', 'coalescedCommits', 'aborts', 'voluntaryAborts',
  'nodesVisited', 'nodesAllocated', 'bytesAllocated',
] as const;

/** Name of a `trie` counter. */
export type TrieCounterName = (typeof TRIE_COUNTERS)[number];

/**
 * The engine's work (the common counters are in engines/types.ts):
 * - `coalescedCommits`: commits that got in by coalescing (the live root
 *   had moved), also counted in `commits`;
 * - `nodesVisited`: tree nodes stepped through by lookups and path copies
 *   (a memoised lookup counts the walk it stands for);
 * - `nodesAllocated`, `bytesAllocated`: nodes built (path copies, new
 *   nodes) and their name + value bytes.
 */
export type TrieWorkCounters = Record<'coalescedCommits' | 'nodesVisited' | 'nodesAllocated' | 'bytesAllocated', number>;

/** An open transaction. */
interface Tx {
  readonly domid: number;
  /** Live root when the transaction started. */
  readonly startRoot: TNode;
  /** The transaction's own root. */
  root: TNode;
  /** Longest common prefix of successful reads, or null. */
  readLow: string | null;
  /** Longest common prefix of successful writes, or null. */
  writeLow: string | null;
  /** Paths of the modifying operations, for watches (2009's `ops`), in order; null until the first. */
  ops: string[] | null;
  /** Node count changes per owner made by this transaction. */
  quota: Map<number, number> | null;
}

/** The engine's operations; {@link TrieEngine} counts around them. */
class TrieOperations implements EngineOperations {
  readonly kind: EngineKind = 'trie';
  #root: TNode;
  #owners = new Map<number, number>();
  #txs = new Map<number, Tx>();
  /**
   * One open transaction kept outside {@link TrieEngine.#txs} (the first
   * started while the slot was free): a short transaction then starts and
   * ends without a Map insert and delete. A Map delete was ~17% of a small
   * read-modify-write transaction in a 100k-node store (V8 shrinks and
   * rehashes the table as it empties). Which structure holds a transaction
   * changes nothing else.
   */
  #hotId = 0;
  #hot: Tx | null = null;
  #nextTx = 1;
  #seq = 1;
  #maxNodes: number;
  #closed = false;
  /** Scratch of {@link TrieEngine.#chain}: path components, nodes along the path, component count. */
  #cs: string[] = [];
  #cn: TNode[] = [];
  #nseg = 0;
  /**
   * Lookup memo for the live root: path → node. Nodes are immutable, so an
   * entry is valid exactly as long as the root it was found in is the live
   * root; any other root (a write happened) starts a fresh memo. It saves
   * the pointer chasing of a walk (cache misses dominate in a large store),
   * not the algorithm: counters still count the walk.
   */
  #memo = new Map<string, TNode>();
  #memoRoot: TNode | null = null;
  /** Live root walked once, not yet memoised. */
  #memoSeen: TNode | null = null;
  /**
   * Node names already stored, so that equal names share one string: a
   * child lookup compares the wanted name with stored names, and in a large
   * store thousands of private copies of `data`, `device`, `state`... are
   * each a cache miss. Bounded; names only (no nodes, no lookups saved).
   */
  #names = new Map<string, string>();
  /** Last path that passed validation. */
  #lastValid = '/';

  /** Work counters (one object of fixed shape, shared with the counting wrapper). */
  readonly #c: TrieWorkCounters;

  constructor(options: EngineOptions, counters: TrieWorkCounters) {
    this.#c = counters;
    this.#maxNodes = options.maxNodesPerDomain ?? DEFAULT_MAX_NODES_PER_DOMAIN;
    this.#root = new TNode('', '', ROOT_PERMS, NO_KIDS, 0);
    this.#owners.set(0, 1);
  }

  // ---- reads -------------------------------------------------------------

  read(domid: number, txId: number, path: string): string {
    const tx = this.#tx(domid, txId);
    this.#valid(path);
    const n = this.#get(tx === null ? this.#root : tx.root, path);
    if (n === undefined) throw new XsError('ENOENT', path);
    if (domid !== 0) checkAccess(n.perms, domid, 'read', path);
    if (tx !== null) tx.readLow = lowPathJoin(tx.readLow, path);
    return n.value;
  }

  directory(domid: number, txId: number, path: string): string[] {
    const tx = this.#tx(domid, txId);
    this.#valid(path);
    const n = this.#get(tx === null ? this.#root : tx.root, path);
    if (n === undefined) throw new XsError('ENOENT', path);
    if (domid !== 0) checkAccess(n.perms, domid, 'read', path);
    if (tx !== null) tx.readLow = lowPathJoin(tx.readLow, path);
    if (kidsEmpty(n.kids)) return [];
    const kids: TNode[] = [];
    kidsForEach(n.kids, (c) => { kids.push(c); });
    kids.sort((a, b) => a.seq - b.seq);
    const out: string[] = new Array(kids.length);
    for (let i = 0; i < kids.length; i++) out[i] = kids[i]!.name;
    return out;
  }

  getPerms(domid: number, txId: number, path: string): string[] {
    const tx = this.#tx(domid, txId);
    this.#valid(path);
    const n = this.#get(tx === null ? this.#root : tx.root, path);
    if (n === undefined) throw new XsError('ENOENT', path);
    if (domid !== 0) checkAccess(n.perms, domid, 'read', path);
    if (tx !== null) tx.readLow = lowPathJoin(tx.readLow, path);
    return n.perms.slice();
  }

  // ---- writes ------------------------------------------------------------

  write(domid: number, txId: number, path: string, value: string): void {
    const tx = this.#tx(domid, txId);
    this.#valid(path);
    if (value.length > MAX_VALUE || NOT_A_BYTE.test(value)) validateValue(value);
    this.#set(domid, tx, path, value, false);
  }

  mkdir(domid: number, txId: number, path: string): void {
    const tx = this.#tx(domid, txId);
    this.#valid(path);
    this.#set(domid, tx, path, '', true);
  }

  rm(domid: number, txId: number, path: string): void {
    const tx = this.#tx(domid, txId);
    this.#valid(path);
    if (path === '/') throw new XsError('EINVAL', 'cannot remove /');
    const root = tx === null ? this.#root : tx.root;
    const depth = this.#chain(root, path); // components that exist
    const segs = this.#cs;
    const nodes = this.#cn;
    const nseg = this.#nseg;
    if (depth < nseg) {
      // Missing: fine when the parent exists (both daemons ack), else ENOENT.
      if (depth === nseg - 1) return;
      throw new XsError('ENOENT', path);
    }
    const node = nodes[depth]!;
    if (domid !== 0) checkAccess(node.perms, domid, 'write', path);
    // Quota: every removed node gives its owner one entry back.
    const delta = new Map<number, number>();
    this.#countOwners(node, delta, -1);
    const parent = nodes[depth - 1]!;
    const detached = this.#alloc(parent.name, parent.value, parent.perms, kidsRemove(parent.kids, segs[depth - 1]!), parent.seq);
    const newRoot = this.#copyUp(nodes, depth - 1, detached);
    this.#applyQuota(tx, delta);
    if (tx === null) {
      this.#root = newRoot;
    } else {
      tx.root = newRoot;
      tx.writeLow = lowPathJoin(tx.writeLow, parentOf(path));
      addOp(tx, path);
    }
  }

  setPerms(domid: number, txId: number, path: string, perms: string[]): void {
    const tx = this.#tx(domid, txId);
    this.#valid(path);
    validatePerms(perms);
    const root = tx === null ? this.#root : tx.root;
    const depth = this.#chain(root, path);
    const nodes = this.#cn;
    if (depth < this.#nseg) throw new XsError('ENOENT', path);
    const node = nodes[depth]!;
    const oldOwner = permsOwner(node.perms);
    const newOwner = permsOwner(perms);
    if (domid !== 0) {
      // Both 2009 daemons: only the owner (or dom0) may change permissions.
      if (oldOwner !== domid) throw new XsError('EACCES', `dom${domid} does not own ${path}`);
      checkAccess(node.perms, domid, 'write', path);
    }
    let delta: Map<number, number> | null = null;
    if (oldOwner !== newOwner) {
      if (newOwner !== 0 && this.#ownerCount(tx, newOwner) + 1 > this.#maxNodes) {
        throw new XsError('EQUOTA', `dom${newOwner} owns ${this.#maxNodes} nodes`);
      }
      delta = new Map([[oldOwner, -1], [newOwner, 1]]);
    }
    const stored = Object.freeze(perms.slice());
    const child = this.#alloc(node.name, node.value, stored, node.kids, node.seq);
    const newRoot = depth === 0 ? child : this.#copyUp(nodes, depth, child);
    if (delta !== null) this.#applyQuota(tx, delta);
    if (tx === null) {
      this.#root = newRoot;
    } else {
      tx.root = newRoot;
      tx.writeLow = lowPathJoin(tx.writeLow, path);
      addOp(tx, path);
    }
  }

  // ---- transactions ------------------------------------------------------

  txStart(domid: number): number {
    this.#open();
    const id = this.#nextTx++;
    const root = this.#root;
    const tx: Tx = {
      domid, startRoot: root, root, readLow: null, writeLow: null, ops: null, quota: null,
    };
    if (this.#hot === null) {
      this.#hot = tx;
      this.#hotId = id;
    } else {
      this.#txs.set(id, tx);
    }
    return id;
  }

  txEnd(domid: number, txId: number, commit: boolean): string[] {
    const tx = this.#tx(domid, txId);
    if (tx === null) throw new XsError('ENOENT', 'transaction 0 is not a transaction');
    if (txId === this.#hotId) {
      this.#hot = null;
      this.#hotId = 0;
    } else {
      this.#txs.delete(txId);
    }
    if (!commit) return [];
    const live = this.#root;
    if (live === tx.startRoot) {
      if (tx.ops !== null) {
        this.#root = tx.root;
        if (tx.quota !== null) this.#applyQuota(null, tx.quota);
      }
      return dedupe(tx.ops);
    }
    if (!this.#canCoalesce(tx.startRoot, live, tx.readLow) || !this.#canCoalesce(tx.startRoot, live, tx.writeLow)) {
      throw new XsError('EAGAIN', `transaction ${txId} conflicts with a commit since its start`);
    }
    if (tx.writeLow !== null) {
      const n = this.#get(tx.root, tx.writeLow);
      // Absent only if the low-path registration were wrong (the 2009 code skips too).
      if (n !== undefined) this.#graft(tx.writeLow, n);
    }
    if (tx.quota !== null) this.#applyQuota(null, tx.quota);
    this.#c.coalescedCommits++;
    return dedupe(tx.ops);
  }

  // ---- housekeeping ------------------------------------------------------

  close(): void {
    this.#closed = true;
    this.#txs.clear();
    this.#hot = null;
    this.#hotId = 0;
  }

  // ---- internals ---------------------------------------------------------

  #open(): void {
    if (this.#closed) throw new XsError('EINVAL', 'engine is closed');
  }

  /** The transaction `txId` of `domid` (null for 0); ENOENT when unknown. */
  #tx(domid: number, txId: number): Tx | null {
    if (this.#closed) this.#open();
    if (txId === 0) return null;
    const hot = this.#hot;
    const tx = hot !== null && txId === this.#hotId ? hot : this.#txs.get(txId);
    if (tx === undefined || tx.domid !== domid) throw new XsError('ENOENT', `no transaction ${txId} for dom${domid}`);
    return tx;
  }

  /** Throws EINVAL unless `path` is valid; the last valid path is remembered (a read-modify-write names it twice). */
  #valid(path: string): void {
    if (path === this.#lastValid) return;
    if (!isValidAbsolutePath(path)) validateAbsolutePath(path);
    this.#lastValid = path;
  }

  /** The shared copy of node name `name` (see {@link TrieEngine.#names}). */
  #intern(name: string): string {
    const names = this.#names;
    const had = names.get(name);
    if (had !== undefined) return had;
    if (names.size >= NAMES_MAX) names.clear();
    names.set(name, name);
    return name;
  }

  #alloc(name: string, value: string, perms: readonly string[], kids: TNode['kids'], seq: number): TNode {
    this.#c.nodesAllocated++;
    this.#c.bytesAllocated += name.length + value.length;
    return new TNode(name, value, perms, kids, seq);
  }

  /** Node at a validated absolute path, or undefined. */
  #get(root: TNode, path: string): TNode | undefined {
    if (root === this.#memoRoot) {
      const hit = this.#memo.get(path);
      if (hit !== undefined) {
        this.#c.nodesVisited += walkLength(path); // count the walk the memo stands for
        return hit;
      }
    }
    this.#c.nodesVisited++;
    if (path.length === 1) return root;
    let n: TNode | undefined = root;
    let start = 1;
    for (;;) {
      const end = path.indexOf('/', start);
      const name = end < 0 ? path.slice(start) : path.slice(start, end);
      n = kidsGet(n.kids, name);
      this.#c.nodesVisited++;
      if (n === undefined) return n;
      if (end < 0) break;
      start = end + 1;
    }
    if (root === this.#root) {
      if (root !== this.#memoRoot) {
        // A root walked only once (a read-modify-write transaction reads
        // once and commits a new root) would cost a Map for nothing: start
        // a memo at the second walk under the same live root.
        if (root !== this.#memoSeen) {
          this.#memoSeen = root;
          return n;
        }
        this.#memo = new Map();
        this.#memoRoot = root;
      } else if (this.#memo.size >= MEMO_MAX) {
        this.#memo = new Map();
      }
      this.#memo.set(path, n);
    }
    return n;
  }

  /**
   * Walks `path`: fills the scratch arrays (`#cs[0..#nseg-1]` = components,
   * `#cn[i]` = existing node of the first i components, `#cn[0]` = root) and
   * returns how many components exist. Scratch space is reused by the next
   * call (the engine is synchronous): a write allocates only its new nodes.
   */
  #chain(root: TNode, path: string): number {
    const segs = this.#cs;
    const nodes = this.#cn;
    let nseg = 0;
    if (path.length > 1) {
      let start = 1;
      for (;;) {
        const end = path.indexOf('/', start);
        if (end < 0) {
          segs[nseg++] = path.slice(start);
          break;
        }
        segs[nseg++] = path.slice(start, end);
        start = end + 1;
      }
    }
    this.#nseg = nseg;
    nodes[0] = root;
    this.#c.nodesVisited++;
    let n = root;
    let depth = 0;
    while (depth < nseg) {
      const c = kidsGet(n.kids, segs[depth]!);
      this.#c.nodesVisited++;
      if (c === undefined) break;
      nodes[++depth] = c;
      n = c;
    }
    return depth;
  }

  /** Rebuilds the ancestors of `child` (which sits at depth `depth`) up to a new root. */
  #copyUp(nodes: readonly TNode[], depth: number, child: TNode): TNode {
    let c = child;
    for (let i = depth - 1; i >= 0; i--) {
      const p = nodes[i]!;
      c = this.#alloc(p.name, p.value, p.perms, kidsSet(p.kids, c), p.seq);
    }
    return c;
  }

  /** write (isMkdir=false) and mkdir (true): set or create a node and its missing parents. */
  #set(domid: number, tx: Tx | null, path: string, value: string, isMkdir: boolean): void {
    const root = tx === null ? this.#root : tx.root;
    const depth = this.#chain(root, path);
    const segs = this.#cs;
    const nodes = this.#cn;
    const nseg = this.#nseg;
    let low: string;
    let delta: Map<number, number> | null = null;
    let bottom: TNode;
    if (depth === nseg) {
      const node = nodes[depth]!;
      if (domid !== 0) checkAccess(node.perms, domid, 'write', path);
      if (isMkdir) return; // existing node: a no-op, not recorded (2009 raises Already_exist before recording)
      // 2009 `Node.set_value` keeps the very same node when the value is
      // unchanged (the ancestors are still copied), so a same-value write
      // does not break another transaction's coalescing on this node.
      bottom = node.value === value ? node : this.#alloc(node.name, value, node.perms, node.kids, node.seq);
      low = path;
    } else {
      const parent = nodes[depth]!;
      if (domid !== 0) checkAccess(parent.perms, domid, 'write', joinPath(segs, depth));
      const perms = inheritPerms(parent.perms, domid);
      const owner = permsOwner(perms);
      const created = nseg - depth;
      if (owner !== 0 && this.#ownerCount(tx, owner) + created > this.#maxNodes) {
        throw new XsError('EQUOTA', `dom${owner} would own more than ${this.#maxNodes} nodes`);
      }
      delta = new Map([[owner, created]]);
      // Build the new chain bottom-up; all new nodes share the inherited perms.
      const seq0 = this.#seq;
      this.#seq += created;
      bottom = this.#alloc(this.#intern(segs[nseg - 1]!), value, perms, NO_KIDS, seq0 + created - 1);
      for (let i = nseg - 2; i >= depth; i--) {
        bottom = this.#alloc(this.#intern(segs[i]!), '', perms, kidsSet(NO_KIDS, bottom), seq0 + (i - depth));
      }
      // 2009 low-path: write of a new node records its parent; mkdir records
      // itself; implicit parents record themselves: the join is the topmost created node,
      // except a write whose parent exists, which records the parent.
      low = created === 1 && !isMkdir ? parentOf(path) : joinPath(segs, depth + 1);
    }
    const top = depth === nseg ? depth : depth + 1; // depth at which `bottom` sits
    const newRoot = top === 0 ? bottom : this.#copyUp(nodes, top, bottom);
    if (delta !== null) this.#applyQuota(tx, delta);
    if (tx === null) {
      this.#root = newRoot;
    } else {
      tx.root = newRoot;
      tx.writeLow = lowPathJoin(tx.writeLow, low);
      addOp(tx, path);
    }
  }

  /** Nodes owned by `owner` as this caller sees them: live count plus the transaction's delta. */
  #ownerCount(tx: Tx | null, owner: number): number {
    const live = this.#owners.get(owner) ?? 0;
    return tx === null || tx.quota === null ? live : live + (tx.quota.get(owner) ?? 0);
  }

  #applyQuota(tx: Tx | null, delta: Map<number, number>): void {
    const target = tx === null ? this.#owners : (tx.quota ??= new Map());
    for (const [owner, d] of delta) {
      const v = (target.get(owner) ?? 0) + d;
      if (v === 0) target.delete(owner);
      else target.set(owner, v);
    }
  }

  #countOwners(node: TNode, delta: Map<number, number>, sign: number): void {
    this.#c.nodesVisited++;
    const o = permsOwner(node.perms);
    delta.set(o, (delta.get(o) ?? 0) + sign);
    if (!kidsEmpty(node.kids)) kidsForEach(node.kids, (c) => this.#countOwners(c, delta, sign));
  }

  /** 2009 `test_coalesce`: may a commit whose low-path is `low` be grafted? */
  #canCoalesce(start: TNode, live: TNode, low: string | null): boolean {
    if (low === null) return true;
    const a = this.#get(start, low);
    const b = this.#get(live, low);
    if (a !== undefined && b !== undefined) {
      if (a !== b) return false;
      return this.#samePermsDown(start, live, low);
    }
    if (a === undefined && b === undefined) {
      // Absent in both: sneak it in as a child of its parent, if that exists now.
      return this.#get(live, parentOf(low)) !== undefined;
    }
    return false;
  }

  /** Permissions equal in both roots for every node from the root down to `path` (all must exist). */
  #samePermsDown(a: TNode, b: TNode, path: string): boolean {
    let x: TNode | undefined = a;
    let y: TNode | undefined = b;
    this.#c.nodesVisited += 2;
    if (!samePerms(x.perms, y.perms)) return false;
    if (path.length === 1) return true;
    for (const name of path.slice(1).split('/')) {
      x = kidsGet(x.kids, name);
      y = kidsGet(y.kids, name);
      this.#c.nodesVisited += 2;
      if (x === undefined || y === undefined || !samePerms(x.perms, y.perms)) return false;
    }
    return true;
  }

  /** 2009 `Store.set_node`: put `node` at `path` in the live root (replace, or add as a new child). */
  #graft(path: string, node: TNode): void {
    if (path.length === 1) {
      this.#root = node;
      return;
    }
    const depth = this.#chain(this.#root, path);
    const nseg = this.#nseg;
    let n = node;
    if (depth < nseg) {
      // New under the live parent: 2009's add_child makes it the newest child.
      n = this.#alloc(node.name, node.value, node.perms, node.kids, this.#seq++);
    }
    this.#root = this.#copyUp(this.#cn, nseg, n);
  }
}

/** Most interned node names before the table starts over. */
const NAMES_MAX = 1 << 16;

/** Largest lookup memo before it starts over. */
const MEMO_MAX = 1 << 16;

/** Nodes a walk to an existing `path` visits: the root plus one per component. */
function walkLength(path: string): number {
  if (path.length === 1) return 1;
  let n = 2;
  for (let i = 1; i < path.length; i++) if (path.charCodeAt(i) === 47) n++;
  return n;
}

function joinPath(segs: readonly string[], n: number): string {
  return n === 0 ? '/' : `/${segs.slice(0, n).join('/')}`;
}

/** Records a modifying operation (the list is made by the first one: most transactions are small). */
function addOp(tx: Tx, path: string): void {
  if (tx.ops === null) tx.ops = [path];
  else tx.ops.push(path);
}

/** The changed paths of an ended transaction, each once (the list is the transaction's own: it is not used again). */
function dedupe(paths: string[] | null): string[] {
  if (paths === null) return [];
  if (paths.length <= 1) return paths;
  return [...new Set(paths)];
}

/** Adds `path` to a low-path (2009 `get_lowest`): the longest common prefix. */
function lowPathJoin(low: string | null, path: string): string {
  if (low === null || low === path) return path;
  return commonPathPrefix(low, path);
}

/** The `trie` engine: {@link TrieOperations} with its counters ({@link TRIE_COUNTERS}). */
export class TrieEngine extends CountedEngine<TrieCounterName> {
  constructor(options: EngineOptions = {}) {
    const counters = zeroCounters(TRIE_COUNTERS);
    super(new TrieOperations(options, counters), counters);
  }
}
