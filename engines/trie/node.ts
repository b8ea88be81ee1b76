/**
 * Store nodes of the `trie` engine (immutable once shared) and their
 * persistent child map.
 *
 * oxenstored (2009, store.ml) keeps a node's children in an OCaml list and
 * finds a child by a linear scan; xstorm keeps the same immutable nodes but
 * stores the children in a small persistent B+tree keyed by name, so that a
 * lookup and a path copy cost O(log fan-out) instead of O(fan-out) and the
 * engine stays flat from 1k to 100k nodes (a `/local/domain` with hundreds of
 * domains is the common wide node). The 2009 listing order (creation order:
 * `add_child` prepends and `ls` reverses) is kept separately through each
 * node's creation sequence number `seq`.
 */

/**
 * One node, immutable once shared: sharing is by identity. Only `value`
 * may change, and only in a tree that nothing else holds (the `trie`
 * engine's live tree while no transaction is open, see engine.ts).
 */
export class TNode {
  constructor(
    /** Last path component (`''` for the root). */
    readonly name: string,
    /** Value as a byte string (one char per byte). */
    public value: string,
    /** Permissions, wire text form; the array is never mutated. */
    readonly perms: readonly string[],
    /** Children, a persistent map keyed by name. */
    readonly kids: Kids,
    /** Creation sequence: orders `directory` results like the 2009 daemon (oldest first). */
    readonly seq: number,
  ) {}
}

/** A leaf: children sorted by name, at most {@link FANOUT}. */
type Leaf = readonly TNode[];

/** An inner level: `lows[i]` is a lower bound of every name in `subs[i]` (`lows[0]` acts as -inf). */
interface Branch {
  readonly lows: readonly string[];
  readonly subs: readonly Kids[];
}

/** A persistent sorted map name → child node. */
export type Kids = Leaf | Branch;

/** Largest leaf or branch; 32 keeps a path copy to a few hundred bytes. */
const FANOUT = 32;

/** The empty child map (shared). */
export const NO_KIDS: Kids = Object.freeze([] as TNode[]);

function isLeaf(k: Kids): k is Leaf {
  return Array.isArray(k);
}

/** Index of the sub-tree of `b` that may hold `name`. */
function route(b: Branch, name: string): number {
  const lows = b.lows;
  let lo = 0;
  let hi = lows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lows[mid]! <= name) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The child called `name`, or undefined. */
export function kidsGet(kids: Kids, name: string): TNode | undefined {
  let k = kids;
  while (!isLeaf(k)) k = k.subs[route(k, name)]!;
  let lo = 0;
  let hi = k.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const n = k[mid]!;
    const m = n.name;
    if (m === name) return n;
    if (m < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Right half produced by the last split in {@link setRec} (avoids a tuple allocation). */
let splitRight: Kids | null = null;

function lowOf(k: Kids): string {
  return isLeaf(k) ? k[0]!.name : k.lows[0]!;
}

function setRec(k: Kids, node: TNode): Kids {
  if (isLeaf(k)) {
    const name = node.name;
    let lo = 0;
    let hi = k.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = k[mid]!.name;
      if (m === name) {
        const copy = k.slice();
        copy[mid] = node;
        return copy;
      }
      if (m < name) lo = mid + 1;
      else hi = mid - 1;
    }
    const n = k.length;
    const out: TNode[] = new Array(n + 1);
    for (let i = 0; i < lo; i++) out[i] = k[i]!;
    out[lo] = node;
    for (let i = lo; i < n; i++) out[i + 1] = k[i]!;
    if (out.length <= FANOUT) return out;
    const half = out.length >> 1;
    splitRight = out.slice(half);
    return out.slice(0, half);
  }
  const i = route(k, node.name);
  const sub = setRec(k.subs[i]!, node);
  const subs = k.subs.slice();
  subs[i] = sub;
  let lows: string[] | readonly string[] = k.lows;
  if (splitRight !== null) {
    const right = splitRight;
    splitRight = null;
    subs.splice(i + 1, 0, right);
    const l = k.lows.slice();
    l.splice(i + 1, 0, lowOf(right));
    lows = l;
    if (subs.length > FANOUT) {
      const half = subs.length >> 1;
      splitRight = { lows: lows.slice(half), subs: subs.slice(half) };
      return { lows: lows.slice(0, half), subs: subs.slice(0, half) };
    }
  }
  return { lows, subs };
}

/** A copy of `kids` with `node` added or replacing the child of the same name. */
export function kidsSet(kids: Kids, node: TNode): Kids {
  const left = setRec(kids, node);
  if (splitRight === null) return left;
  const right = splitRight;
  splitRight = null;
  return { lows: [lowOf(left), lowOf(right)], subs: [left, right] };
}

/** Marker: the removed name was not present. */
const ABSENT: Kids = Object.freeze([] as TNode[]);

function removeRec(k: Kids, name: string): Kids {
  if (isLeaf(k)) {
    let lo = 0;
    let hi = k.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = k[mid]!.name;
      if (m === name) {
        const copy = k.slice();
        copy.splice(mid, 1);
        return copy;
      }
      if (m < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return ABSENT;
  }
  const i = route(k, name);
  const sub = removeRec(k.subs[i]!, name);
  if (sub === ABSENT) return ABSENT;
  const subs = k.subs.slice();
  const lows = k.lows.slice();
  if (isLeaf(sub) && sub.length === 0) {
    subs.splice(i, 1);
    lows.splice(i, 1);
    if (subs.length === 1) return subs[0]!; // collapse a level: search copes with uneven depth
  } else {
    subs[i] = sub;
  }
  return { lows, subs };
}

/** A copy of `kids` without `name` (the same object when `name` is absent). */
export function kidsRemove(kids: Kids, name: string): Kids {
  const out = removeRec(kids, name);
  return out === ABSENT ? kids : out;
}

/** Calls `fn` on every child (in name order). */
export function kidsForEach(kids: Kids, fn: (n: TNode) => void): void {
  if (isLeaf(kids)) {
    for (let i = 0; i < kids.length; i++) fn(kids[i]!);
    return;
  }
  for (const s of kids.subs) kidsForEach(s, fn);
}

/** True when there are no children. */
export function kidsEmpty(kids: Kids): boolean {
  return isLeaf(kids) && kids.length === 0;
}
