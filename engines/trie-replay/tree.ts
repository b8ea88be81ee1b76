/**
 * oxenstored's immutable node tree (Xen 4.17 `tools/ocaml/xenstored/store.ml`,
 * module `Node` and `Path`): every change builds new nodes along one path
 * and shares everything else, so "unchanged" is physical identity (`===`).
 * Children are kept sorted by name (byte order), as oxenstored's `SymbolMap`
 * is, so a directory listing is ascending.
 */
import { XsError } from '../common/errors.ts';

/** One immutable node. */
export interface TrieNode {
  readonly name: string;
  readonly perms: readonly string[];
  readonly value: string;
  /** Child names, ascending. */
  readonly names: readonly string[];
  /** Children, parallel to `names`. */
  readonly kids: readonly TrieNode[];
}

/** Work done on trees (shared with the engine's counters). */
export interface TreeWork {
  nodesVisited: number;
  nodesAllocated: number;
  bytesAllocated: number;
}

/**
 * Estimated bytes of one node allocation: a fixed header, the name, the
 * value and one slot per child (an estimate, so allocations of different
 * shapes can be compared; not a measurement of V8's heap).
 */
function nodeBytes(name: string, value: string, childCount: number): number {
  return 48 + name.length + value.length + 16 * childCount;
}

/** Builds a node, counting the allocation. */
export function makeNode(
  work: TreeWork, name: string, perms: readonly string[], value: string,
  names: readonly string[], kids: readonly TrieNode[],
): TrieNode {
  work.nodesAllocated++;
  work.bytesAllocated += nodeBytes(name, value, names.length);
  return { name, perms, value, names, kids };
}

/** Index of child `name` in `node`, or `-(insertion point) - 1`. */
export function findIndex(work: TreeWork, node: TrieNode, name: string): number {
  work.nodesVisited++;
  const names = node.names;
  let lo = 0;
  let hi = names.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const n = names[mid]!;
    if (n === name) return mid;
    if (n < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** Child `name` of `node`, or `undefined`. */
export function findChild(work: TreeWork, node: TrieNode, name: string): TrieNode | undefined {
  const i = findIndex(work, node, name);
  return i >= 0 ? node.kids[i] : undefined;
}

/** The node at `segs` below `root`, or `undefined` (oxenstored `Path.get_node`). */
export function getNodeAt(work: TreeWork, root: TrieNode, segs: readonly string[]): TrieNode | undefined {
  let node: TrieNode | undefined = root;
  for (let i = 0; i < segs.length && node !== undefined; i++) node = findChild(work, node, segs[i]!);
  return node;
}

/** The node with another value; the SAME node when the value is equal (`Node.set_value`). */
export function withValue(work: TreeWork, node: TrieNode, value: string): TrieNode {
  if (node.value === value) return node;
  return makeNode(work, node.name, node.perms, value, node.names, node.kids);
}

/** The node with other permissions (always a new node, `Node.set_perms`). */
export function withPerms(work: TreeWork, node: TrieNode, perms: readonly string[]): TrieNode {
  return makeNode(work, node.name, perms, node.value, node.names, node.kids);
}

/** The node with `child` added or replacing the child of the same name (always a new node). */
export function withChild(work: TreeWork, node: TrieNode, child: TrieNode): TrieNode {
  const i = findIndex(work, node, child.name);
  const names = node.names.slice();
  const kids = node.kids.slice();
  if (i >= 0) {
    kids[i] = child;
  } else {
    const at = -i - 1;
    names.splice(at, 0, child.name);
    kids.splice(at, 0, child);
  }
  return makeNode(work, node.name, node.perms, node.value, names, kids);
}

/** The node without child `name` (which must exist). */
export function withoutChild(work: TreeWork, node: TrieNode, name: string): TrieNode {
  const i = findIndex(work, node, name);
  if (i < 0) throw new XsError('ENOENT', name);
  const names = node.names.slice();
  const kids = node.kids.slice();
  names.splice(i, 1);
  kids.splice(i, 1);
  return makeNode(work, node.name, node.perms, node.value, names, kids);
}

/**
 * Path copying (`Path.lookup_modify`): walks to the parent of `segs` (every
 * node on the way must exist, else ENOENT), lets `fn(parent, lastName)`
 * build the parent's replacement, and rebuilds every ancestor above it.
 * `segs` must not be empty.
 */
export function modifyAt(
  work: TreeWork, root: TrieNode, segs: readonly string[],
  fn: (parent: TrieNode, name: string) => TrieNode,
): TrieNode {
  const chain: TrieNode[] = [root];
  let node = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const next = findChild(work, node, segs[i]!);
    if (next === undefined) throw new XsError('ENOENT', `/${segs.slice(0, i + 1).join('/')}`);
    chain.push(next);
    node = next;
  }
  let replaced = fn(node, segs[segs.length - 1]!);
  for (let i = chain.length - 2; i >= 0; i--) replaced = withChild(work, chain[i]!, replaced);
  return replaced;
}

/** `Path.set_node`: puts `child` at `segs` (replacing or adding), rebuilding ancestors. */
export function setNodeAt(work: TreeWork, root: TrieNode, segs: readonly string[], child: TrieNode): TrieNode {
  if (segs.length === 0) return child;
  return modifyAt(work, root, segs, (parent) => withChild(work, parent, child));
}

/** Calls `fn` on every node of the subtree (pre-order). */
export function forEachNode(node: TrieNode, fn: (n: TrieNode) => void): void {
  fn(node);
  for (const k of node.kids) forEachNode(k, fn);
}
