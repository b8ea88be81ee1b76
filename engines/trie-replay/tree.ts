/**
 * oxenstored's immutable node tree (Xen 4.17 `tools/ocaml/xenstored/store.ml`,
 * module `Node` and `Path`): every change builds new nodes along one path
 * and shares everything else, so "unchanged" is physical identity (`===`).
 * Children are kept sorted by name (byte order), as oxenstored's `SymbolMap`
 * is, so a directory listing is ascending; the child map is the `trie`
 * engine's persistent B+tree (engines/trie/node.ts, imported read-only), so
 * a path copy costs O(log fan-out) like OCaml's balanced `Map`.
 */
import { XsError } from '../common/errors.ts';
import { NO_KIDS, TNode, kidsForEach, kidsGet, kidsRemove, kidsSet } from '../trie/node.ts';
import type { Kids } from '../trie/node.ts';

/**
 * One immutable node: the `trie` engine's node (name, value, perms and a
 * persistent child map sorted by name), reused read-only. Its `seq`
 * (2009 listing order) is unused here: 4.17 lists children by name.
 */
export type TrieNode = TNode;

export { NO_KIDS };

/** Work done on trees (shared with the engine's counters). */
export interface TreeWork {
  nodesVisited: number;
  nodesAllocated: number;
  bytesAllocated: number;
}

/**
 * Estimated bytes of one node allocation: a fixed header, the name and the
 * value, plus one copied child-map leaf (32 slots of 8 bytes) when the
 * children changed. An estimate to compare allocations, not V8's heap.
 */
function nodeBytes(name: string, value: string, kidsChanged: boolean): number {
  return 48 + name.length + value.length + (kidsChanged ? 256 : 0);
}

/** Builds a node, counting the allocation. */
export function makeNode(
  work: TreeWork, name: string, perms: readonly string[], value: string, kids: Kids, kidsChanged = false,
): TrieNode {
  work.nodesAllocated++;
  work.bytesAllocated += nodeBytes(name, value, kidsChanged);
  return new TNode(name, value, perms, kids, 0);
}

/** Child `name` of `node`, or `undefined`. */
export function findChild(work: TreeWork, node: TrieNode, name: string): TrieNode | undefined {
  work.nodesVisited++;
  return kidsGet(node.kids, name);
}

/** Names of the children, ascending (oxenstored 4.17's `SymbolMap` order). */
export function childNames(node: TrieNode): string[] {
  const out: string[] = [];
  kidsForEach(node.kids, (n) => out.push(n.name));
  return out;
}

/**
 * The node at the first `depth` components of `segs` (default: all) below
 * `root`, or `undefined` (oxenstored `Path.get_node`).
 */
export function getNodeAt(work: TreeWork, root: TrieNode, segs: readonly string[], depth = segs.length): TrieNode | undefined {
  let node: TrieNode | undefined = root;
  for (let i = 0; i < depth && node !== undefined; i++) node = findChild(work, node, segs[i]!);
  return node;
}

/** The node with another value; the SAME node when the value is equal (`Node.set_value`). */
export function withValue(work: TreeWork, node: TrieNode, value: string): TrieNode {
  if (node.value === value) return node;
  return makeNode(work, node.name, node.perms, value, node.kids);
}

/** The node with other permissions (always a new node, `Node.set_perms`). */
export function withPerms(work: TreeWork, node: TrieNode, perms: readonly string[]): TrieNode {
  return makeNode(work, node.name, perms, node.value, node.kids);
}

/** The node with `child` added or replacing the child of the same name (always a new node). */
export function withChild(work: TreeWork, node: TrieNode, child: TrieNode): TrieNode {
  return makeNode(work, node.name, node.perms, node.value, kidsSet(node.kids, child), true);
}

/** The node without child `name` (ENOENT when there is none). */
export function withoutChild(work: TreeWork, node: TrieNode, name: string): TrieNode {
  const kids = kidsRemove(node.kids, name);
  if (kids === node.kids) throw new XsError('ENOENT', name);
  return makeNode(work, node.name, node.perms, node.value, kids, true);
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
  return modifyBelow(work, root, segs, 0, fn);
}

/**
 * {@link modifyAt} from `node`, the node at the first `depth` components:
 * the walk down is the recursion (no array of ancestors per change), and
 * each ancestor is rebuilt as it returns, deepest first.
 */
function modifyBelow(
  work: TreeWork, node: TrieNode, segs: readonly string[], depth: number,
  fn: (parent: TrieNode, name: string) => TrieNode,
): TrieNode {
  if (depth === segs.length - 1) return fn(node, segs[depth]!);
  const next = findChild(work, node, segs[depth]!);
  if (next === undefined) throw new XsError('ENOENT', `/${segs.slice(0, depth + 1).join('/')}`);
  return withChild(work, node, modifyBelow(work, next, segs, depth + 1, fn));
}

/** `Path.set_node`: puts `child` at `segs` (replacing or adding), rebuilding ancestors. */
export function setNodeAt(work: TreeWork, root: TrieNode, segs: readonly string[], child: TrieNode): TrieNode {
  if (segs.length === 0) return child;
  return modifyAt(work, root, segs, (parent) => withChild(work, parent, child));
}

/** Calls `fn` on every node of the subtree (pre-order). */
export function forEachNode(node: TrieNode, fn: (n: TrieNode) => void): void {
  fn(node);
  kidsForEach(node.kids, (k) => forEachNode(k, fn));
}
