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
 *
 * Path copying is the model, not always the implementation: a new value for
 * an existing node is written into the node itself when nothing but the live
 * root can see the tree, that is when no transaction is open (a
 * transaction's write is kept aside until its commit, which applies it in
 * place if it was the last open transaction and the live root has not
 * moved; any other use of the transaction first makes its path copy). Such
 * a change is counted as the copy it stands for, so counters and results
 * are those of path copying. Why: in a large store the copy was most of the
 * cost of a write. Its nodes live until the next write to the same domain,
 * so the garbage collector copies and promotes them, and walks and copies
 * miss the cache more as the store grows (at 100k nodes a write was 3x
 * slower than at 1k).
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
  /** Its one write, not yet copied into {@link Tx.root} (see the module comment), or null. */
  pending: PendingWrite | null;
}

/** A new value for the existing node at the end of `nodes` (the root and the node's ancestors before it). */
interface PendingWrite {
  readonly nodes: readonly TNode[];
  readonly value: string;
}

/** A memoised walk (see {@link TrieOperations.#memo}). */
interface Walk {
  /** The nodes from the root down to the one at the path. */
  readonly nodes: readonly TNode[];
  /** The last of them, and its depth (kept here too: a write or read then need not load `nodes`). */
  readonly node: TNode;
  readonly depth: number;
  /** Name and value bytes of the node's ancestors: what copying them counts in `bytesAllocated`. */
  readonly copyBytes: number;
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
  /**
   * Result of {@link TrieOperations.#chain}: path components, nodes along the
   * path (the scratch array `#cn`, or a memoised chain), component count.
   * A memoised walk does not fill the components: they are read only when a
   * path does not fully exist, which the memo never answers.
   */
  #cs: string[] = [];
  #cn: TNode[] = [];
  #nodes: readonly TNode[] = this.#cn;
  /** Scratch of {@link TrieOperations.#coalesceAlong}: the start root's chain above the first shared node. */
  #startChain: TNode[] = [];
  #nseg = 0;
  /** The deepest existing node of the last {@link TrieOperations.#chain}: `#nodes[depth]`. */
  #last: TNode;
  /**
   * Lookup memo for the live root: path → its walk. An entry is valid as
   * long as the root it was found in is the live root: a change that copies
   * a path makes another root (and starts a fresh memo), one made in place
   * changes a node's value, never which node sits at a path (and starts a
   * fresh memo when the value of a node with children changes length, for
   * `copyBytes`). It saves the pointer chasing of a walk and of counting a
   * copy (cache misses dominate in a large store), not the algorithm:
   * counters still count the walk and the copy.
   */
  #memo = new Map<string, Walk>();
  /** The memo entry that answered the last {@link TrieOperations.#chain}, or null when it walked. */
  #hit: Walk | null = null;
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
    this.#last = this.#root;
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
    const nodes = this.#nodes;
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
    const detached = this.#alloc(parent.name, parent.value, parent.perms, kidsRemove(parent.kids, node.name), parent.seq);
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
    const nodes = this.#nodes;
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
      domid, startRoot: root, root, readLow: null, writeLow: null, ops: null, quota: null, pending: null,
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
    const tx = this.#find(domid, txId);
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
      if (tx.pending !== null) {
        // Unshared: this was the last open transaction, the live tree is no one else's now.
        if (this.#unshared()) this.#setValue(tx.pending.nodes[tx.pending.nodes.length - 1]!, tx.pending.value);
        else this.#materialize(tx);
      }
      if (tx.ops !== null) {
        this.#root = tx.root;
        if (tx.quota !== null) this.#applyQuota(null, tx.quota);
      }
      return dedupe(tx.ops);
    }
    if (!this.#canCoalesce(tx.startRoot, live, tx.readLow) || !this.#canCoalesce(tx.startRoot, live, tx.writeLow)) {
      throw new XsError('EAGAIN', `transaction ${txId} conflicts with a commit since its start`);
    }
    if (tx.pending !== null) this.#materialize(tx);
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

  /** The transaction `txId` of `domid` (null for 0), its pending write copied into its root; ENOENT when unknown. */
  #tx(domid: number, txId: number): Tx | null {
    const tx = this.#find(domid, txId);
    if (tx !== null && tx.pending !== null) this.#materialize(tx);
    return tx;
  }

  /** The transaction `txId` of `domid` as it is (null for 0); ENOENT when unknown. */
  #find(domid: number, txId: number): Tx | null {
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

  /** Node at a validated absolute path, or undefined (walks with {@link TrieOperations.#chain}). */
  #get(root: TNode, path: string): TNode | undefined {
    const depth = this.#chain(root, path);
    return depth === this.#nseg ? this.#last : undefined;
  }

  /**
   * Takes a memoised walk (see {@link TrieOperations.#memo}) as the result
   * of {@link TrieOperations.#chain}, counting the walk it stands for.
   */
  #recall(walk: Walk): number {
    this.#hit = walk;
    this.#nodes = walk.nodes;
    this.#last = walk.node;
    this.#nseg = walk.depth;
    this.#c.nodesVisited += walk.depth + 1;
    return walk.depth;
  }

  /** Memoises the walk to `path` under the live root `root` that the scratch arrays hold (`depth` components). */
  #remember(root: TNode, path: string, depth: number): void {
    if (root !== this.#memoRoot) {
      // A root walked only once (a transaction that writes a new node
      // commits a new root) would cost a Map for nothing: start a memo at
      // the second walk under the same live root.
      if (root !== this.#memoSeen) {
        this.#memoSeen = root;
        return;
      }
      this.#memo = new Map();
      this.#memoRoot = root;
    } else if (this.#memo.size >= MEMO_MAX) {
      this.#memo = new Map();
    }
    const nodes = this.#cn.slice(0, depth + 1);
    let copyBytes = 0;
    for (let i = 0; i < depth; i++) copyBytes += nodes[i]!.name.length + nodes[i]!.value.length;
    this.#memo.set(path, { nodes, node: nodes[depth]!, depth, copyBytes });
  }

  /**
   * Walks `path`, or recalls the walk from {@link TrieOperations.#memo}: sets
   * `#cs[0..#nseg-1]` = components and `#nodes[i]` = existing node of the
   * first i components (`#nodes[0]` = root), and returns how many
   * components exist. Scratch space is reused by the next call (the engine
   * is synchronous): a write allocates only its new nodes.
   */
  #chain(root: TNode, path: string): number {
    if (root === this.#memoRoot) {
      const hit = this.#memo.get(path);
      if (hit !== undefined) return this.#recall(hit);
    }
    const segs = this.#cs;
    const nodes = this.#cn;
    this.#nodes = nodes;
    this.#hit = null;
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
    this.#last = n;
    if (depth === nseg && root === this.#root) this.#remember(root, path, depth);
    return depth;
  }

  /** Rebuilds the ancestors of `child` (which sits at depth `depth`) up to a new root. */
  #copyUp(nodes: readonly TNode[], depth: number, child: TNode): TNode {
    this.#countCopyUp(nodes, depth);
    return copyUp(nodes, depth, child);
  }

  /** Counts the allocations of {@link copyUp}. */
  #countCopyUp(nodes: readonly TNode[], depth: number): void {
    for (let i = depth - 1; i >= 0; i--) {
      const p = nodes[i]!;
      this.#c.nodesAllocated++;
      this.#c.bytesAllocated += p.name.length + p.value.length;
    }
  }

  /** Gives `node` of the live tree a new value in place (see the module comment). */
  #setValue(node: TNode, value: string): void {
    // The memo's walks below the node count its value's length.
    if (node.value.length !== value.length && !kidsEmpty(node.kids)) this.#memo = new Map();
    node.value = value;
  }

  /**
   * True when no transaction is open: then only the live root holds the
   * live tree's nodes (the memo's roots are compared, never walked, once
   * they are not live).
   */
  #unshared(): boolean {
    return this.#hot === null && this.#txs.size === 0;
  }

  /** Makes the path copy of the pending write of `tx` (counted when it was written). */
  #materialize(tx: Tx): void {
    const { nodes, value } = tx.pending!;
    tx.pending = null;
    const depth = nodes.length - 1;
    const node = nodes[depth]!;
    const bottom = node.value === value ? node : new TNode(node.name, value, node.perms, node.kids, node.seq);
    tx.root = copyUp(nodes, depth, bottom);
  }

  /** write (isMkdir=false) and mkdir (true): set or create a node and its missing parents. */
  #set(domid: number, tx: Tx | null, path: string, value: string, isMkdir: boolean): void {
    const root = tx === null ? this.#root : tx.root;
    const depth = this.#chain(root, path);
    const segs = this.#cs;
    const nodes = this.#nodes;
    const nseg = this.#nseg;
    let low: string;
    let delta: Map<number, number> | null = null;
    let bottom: TNode;
    if (depth === nseg) {
      const node = this.#last;
      if (domid !== 0) checkAccess(node.perms, domid, 'write', path);
      if (isMkdir) return; // existing node: a no-op, not recorded (2009 raises Already_exist before recording)
      // In a transaction: only its first change, and only while it still
      // sees the live root (else its commit copies or coalesces anyway).
      if (tx === null ? this.#unshared() : root === tx.startRoot && root === this.#root) {
        this.#writeInPlace(tx, nodes, node, path, value);
        return;
      }
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

  /**
   * Writes `value` into the existing node `node` at the end of the last
   * walk `nodes` without copying its path (see the module comment): now
   * when `tx` is null, at the commit of `tx` otherwise. Counts and records
   * what the copy would.
   */
  #writeInPlace(tx: Tx | null, nodes: readonly TNode[], node: TNode, path: string, value: string): void {
    const depth = this.#nseg;
    if (node.value !== value) {
      this.#c.nodesAllocated++;
      this.#c.bytesAllocated += node.name.length + value.length;
    }
    const hit = this.#hit;
    if (hit === null) {
      this.#countCopyUp(nodes, depth);
    } else {
      this.#c.nodesAllocated += depth;
      this.#c.bytesAllocated += hit.copyBytes;
    }
    if (tx === null) {
      this.#setValue(node, value);
      return;
    }
    // A memoised chain never changes; the scratch array is reused by the next walk.
    tx.pending = { nodes: nodes === this.#cn ? nodes.slice(0, depth + 1) : nodes, value };
    tx.writeLow = lowPathJoin(tx.writeLow, path);
    addOp(tx, path);
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
    const b = this.#get(live, low);
    if (b !== undefined) return this.#coalesceAlong(start, this.#nodes, this.#nseg);
    const a = this.#get(start, low);
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

  /**
   * {@link TrieOperations.#canCoalesce} when the low-path exists in the
   * live tree (`live[0..n]` is its chain): walks the start root along the
   * live chain's names instead of re-parsing the path, and stops at the
   * first node the two trees share (below it they are the same nodes, so
   * the node is the same and every permission below is equal). Counts
   * exactly what the full walks count: the start root's lookup (1 + the
   * components examined) and, when the node is the same in both,
   * {@link TrieOperations.#samePermsDown} (2 per level up to the first
   * permissions that differ).
   */
  #coalesceAlong(start: TNode, live: readonly TNode[], n: number): boolean {
    const c = this.#c;
    let x = start;
    let shared = 0;
    for (; x !== live[shared]; ) {
      if (shared === n) {
        c.nodesVisited += 1 + n; // the whole path exists in both, but not as the same node
        return false;
      }
      const next = kidsGet(x.kids, live[shared + 1]!.name);
      if (next === undefined) {
        c.nodesVisited += 2 + shared; // absent at start, present now
        return false;
      }
      this.#startChain[shared] = x;
      x = next;
      shared++;
    }
    c.nodesVisited += 1 + n; // the start root's walk: every component exists
    for (let k = 0; k < shared; k++) {
      if (!samePerms(this.#startChain[k]!.perms, live[k]!.perms)) {
        c.nodesVisited += 2 + 2 * k;
        return false;
      }
    }
    c.nodesVisited += 2 + 2 * n;
    return true;
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
    this.#root = this.#copyUp(this.#nodes, nseg, n);
  }
}

/** Most interned node names before the table starts over. */
const NAMES_MAX = 1 << 16;

/** Largest lookup memo before it starts over. */
const MEMO_MAX = 1 << 16;

/** Rebuilds the ancestors of `child` (which sits at depth `depth`) up to a new root; counts nothing. */
function copyUp(nodes: readonly TNode[], depth: number, child: TNode): TNode {
  let c = child;
  for (let i = depth - 1; i >= 0; i--) {
    const p = nodes[i]!;
    c = new TNode(p.name, p.value, p.perms, kidsSet(p.kids, c), p.seq);
  }
  return c;
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
