/**
 * oxenstored's request semantics on one store (Xen 4.17 `store.ml`,
 * `transaction.ml` and the request handlers of `process.ml`): permission
 * checks, quota, the implicit creation of missing parents, the transaction's
 * read/write low-paths and its list of write operations. The same code runs
 * a live request, a request inside a transaction, and a replayed request.
 */
import { XsError } from '../common/errors.ts';
import { pathSegments, validateAbsolutePath, validateValue } from '../common/paths.ts';
import { hasAccess, inheritPerms, permsOwner, validatePerms } from '../common/perms.ts';
import type { Access } from '../common/perms.ts';
import type { TrieNode, TreeWork } from './tree.ts';
import {
  NO_KIDS, childNames, findChild, forEachNode, getNodeAt, makeNode, modifyAt, withChild, withPerms, withValue, withoutChild,
} from './tree.ts';

/** A store: the root (replaced on change) and node counts per owner domain. */
export interface Store {
  root: TrieNode;
  /** Committed node counts per domain (shared with the live store). */
  readonly entries: Map<number, number>;
  /** Changes to `entries` not yet committed (transactions); `null` for the live store. */
  readonly entryDelta: Map<number, number> | null;
}

/** What a transaction records about its requests (transaction.ml). */
export interface TxLog {
  /** Longest common prefix of the successful reads (`read_lowpath`), or `null`. */
  readLow: string[] | null;
  /** Longest common prefix of the writes (`write_lowpath`), or `null`. */
  writeLow: string[] | null;
  /** Paths of write operations (`paths`; empty = read-only transaction). */
  readonly writePaths: string[];
}

/**
 * A request as recorded for replay. `segs` holds its path's components
 * once the path was found valid (`undefined` before): a replay runs the
 * same request again and need not check and split its path again.
 */
export type Request = (
  | { readonly type: 'read' | 'directory' | 'getPerms' | 'rm' | 'mkdir'; readonly path: string }
  | { readonly type: 'write'; readonly path: string; readonly value: string }
  | { readonly type: 'setPerms'; readonly path: string; readonly perms: readonly string[] }
) & { segs: string[] | undefined };

/** Outcome of a request, compared byte for byte on replay. */
export type Reply = string | readonly string[] | undefined;

/** A fresh transaction log. */
export function newTxLog(): TxLog {
  return { readLow: null, writeLow: null, writePaths: [] };
}

/** The common leading components (component arrays are never modified: a whole one is returned as is). */
function commonPrefix(a: string[], b: string[]): string[] {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  if (n === b.length) return b;
  if (n === a.length) return a;
  return a.slice(0, n);
}

function setReadLow(log: TxLog, segs: string[]): void {
  log.readLow = log.readLow === null ? segs : commonPrefix(segs, log.readLow);
}

function setWriteLow(log: TxLog, segs: string[]): void {
  log.writeLow = log.writeLow === null ? segs : commonPrefix(segs, log.writeLow);
}

/** Signals oxenstored's `Already_exist` / `Doesnt_exist`, which some handlers swallow. */
class Exists extends XsError {
  constructor(path: string) {
    super('EEXIST', path);
  }
}

/** Node count of `domid` as seen through `store`. */
function entryCount(store: Store, domid: number): number {
  return (store.entries.get(domid) ?? 0) + (store.entryDelta?.get(domid) ?? 0);
}

function addEntries(store: Store, domid: number, delta: number): void {
  if (domid === 0 || delta === 0) return;
  const map = store.entryDelta ?? store.entries;
  map.set(domid, (map.get(domid) ?? 0) + delta);
}

/** Quota check for creating one node owned by `owner` (Quota.check; dom0 is exempt). */
function checkQuota(store: Store, creator: number, owner: number, max: number): void {
  if (creator !== 0 && owner !== 0 && entryCount(store, owner) >= max) {
    throw new XsError('EQUOTA', `dom${owner} owns ${max} nodes`);
  }
}

const SEP = '/';
function segsToPath(segs: readonly string[]): string {
  return SEP + segs.join(SEP);
}

/**
 * Throws `EACCES` unless `domid` may `access` a node with `perms`; the node
 * is at the first `depth` components of `segs` (default: all). The path
 * text is built only for the error: most checks pass.
 */
function requireAccess(perms: readonly string[], domid: number, access: Access, segs: readonly string[], depth = segs.length): void {
  if (!hasAccess(perms, domid, access)) {
    throw new XsError('EACCES', `dom${domid} may not ${access} ${segsToPath(segs.slice(0, depth))}`);
  }
}

/**
 * Executes one request on `store` for `domid`, recording low-paths and write
 * operations in `log`. Returns the reply (value, names, perms, or
 * `undefined` for an acknowledgement); throws XsError for an error reply.
 */
export function execute(
  work: TreeWork, store: Store, log: TxLog, domid: number, req: Request, maxNodes: number,
): Reply {
  let segs = req.segs;
  if (segs === undefined) {
    validateAbsolutePath(req.path);
    segs = req.segs = pathSegments(req.path);
  }
  switch (req.type) {
    case 'read': {
      const n = lookup(work, store, segs, domid);
      setReadLow(log, segs);
      return n.value;
    }
    case 'directory': {
      const n = lookup(work, store, segs, domid);
      setReadLow(log, segs);
      return childNames(n);
    }
    case 'getPerms': {
      const n = lookup(work, store, segs, domid);
      setReadLow(log, segs);
      return n.perms;
    }
    case 'write':
      validateValue(req.value);
      checkPathQuota(work, store, domid, segs, maxNodes);
      createImplicitPath(work, store, log, domid, segs, maxNodes);
      txWrite(work, store, log, domid, segs, req.path, req.value, maxNodes);
      return undefined;
    case 'mkdir':
      checkPathQuota(work, store, domid, segs, maxNodes);
      createImplicitPath(work, store, log, domid, segs, maxNodes);
      try {
        txMkdir(work, store, log, domid, segs, true, maxNodes);
      } catch (e) {
        if (!(e instanceof Exists)) throw e;
      }
      return undefined;
    case 'rm':
      txRm(work, store, log, domid, segs);
      return undefined;
    case 'setPerms':
      validatePerms(req.perms);
      txSetPerms(work, store, log, domid, segs, req.perms);
      return undefined;
  }
}

/**
 * oxenstored's `Path.get_node`: `undefined` when only the last component is
 * missing, ENOENT (its `Not_found`) when an intermediate one is.
 */
export function getNodeStrict(work: TreeWork, root: TrieNode, segs: readonly string[]): TrieNode | undefined {
  let node = root;
  for (let i = 0; i < segs.length; i++) {
    const next = findChild(work, node, segs[i]!);
    if (next === undefined) {
      if (i === segs.length - 1) return undefined;
      throw new XsError('ENOENT', segsToPath(segs.slice(0, i + 1)));
    }
    node = next;
  }
  return node;
}

/**
 * Refuses a write/mkdir that would create more nodes than the creator's
 * quota allows, before creating any (oxenstored checks node by node and can
 * leave the implicit parents behind; xstorm's engine contract says nothing
 * is half-created).
 */
function checkPathQuota(work: TreeWork, store: Store, domid: number, segs: readonly string[], maxNodes: number): void {
  if (domid === 0) return;
  let node = store.root;
  let depth = 0;
  while (depth < segs.length) {
    const next = findChild(work, node, segs[depth]!);
    if (next === undefined) break;
    node = next;
    depth++;
  }
  const missing = segs.length - depth;
  if (missing === 0) return;
  const owner = permsOwner(inheritPerms(node.perms, domid));
  if (owner !== 0 && entryCount(store, owner) + missing > maxNodes) {
    throw new XsError('EQUOTA', `dom${owner} may own at most ${maxNodes} nodes`);
  }
}

/** Read-type lookup (`Path.apply`): ENOENT if any component is missing, EACCES on the node. */
function lookup(work: TreeWork, store: Store, segs: readonly string[], domid: number): TrieNode {
  const n = getNodeAt(work, store.root, segs);
  if (n === undefined) throw new XsError('ENOENT', segsToPath(segs));
  requireAccess(n.perms, domid, 'read', segs);
  return n;
}

/** process.ml `create_implicit_path`: mkdir (without watch) every missing ancestor. */
function createImplicitPath(
  work: TreeWork, store: Store, log: TxLog, domid: number, segs: readonly string[], maxNodes: number,
): void {
  if (segs.length <= 1) return;
  // The parent directory is the first `dir` components (looked up in place: most writes find it).
  const dir = segs.length - 1;
  if (getNodeAt(work, store.root, segs, dir) !== undefined) return;
  let first = 1;
  while (first < dir && getNodeAt(work, store.root, segs, first) !== undefined) first++;
  for (let i = first; i <= dir; i++) txMkdir(work, store, log, domid, segs.slice(0, i), false, maxNodes);
}

/** `path` is `segs` as text (the request's own path). */
function txWrite(
  work: TreeWork, store: Store, log: TxLog, domid: number, segs: string[], path: string, value: string, maxNodes: number,
): void {
  if (segs.length === 0) {
    requireAccess(store.root.perms, domid, 'write', segs);
    store.root = withValue(work, store.root, value);
    setWriteLow(log, segs);
    log.writePaths.push('/');
    return;
  }
  let created = false;
  let owner = 0;
  store.root = modifyAt(work, store.root, segs, (parent, name) => {
    const ent = findChild(work, parent, name);
    if (ent !== undefined) {
      requireAccess(ent.perms, domid, 'write', segs);
      return withChild(work, parent, withValue(work, ent, value));
    }
    requireAccess(parent.perms, domid, 'write', segs, segs.length - 1);
    const perms = inheritPerms(parent.perms, domid);
    owner = permsOwner(perms);
    checkQuota(store, domid, owner, maxNodes);
    created = true;
    return withChild(work, parent, makeNode(work, name, perms, value, NO_KIDS));
  });
  if (created) addEntries(store, owner, 1);
  setWriteLow(log, created ? segs.slice(0, -1) : segs);
  log.writePaths.push(path);
}

function txMkdir(
  work: TreeWork, store: Store, log: TxLog, domid: number, segs: string[], withWatch: boolean, maxNodes: number,
): void {
  if (segs.length > 0) {
    let owner = 0;
    store.root = modifyAt(work, store.root, segs, (parent, name) => {
      const ent = findChild(work, parent, name);
      if (ent !== undefined) {
        requireAccess(ent.perms, domid, 'write', segs);
        throw new Exists(segsToPath(segs));
      }
      requireAccess(parent.perms, domid, 'write', segs, segs.length - 1);
      const perms = inheritPerms(parent.perms, domid);
      owner = permsOwner(perms);
      checkQuota(store, domid, owner, maxNodes);
      return withChild(work, parent, makeNode(work, name, perms, '', NO_KIDS));
    });
    addEntries(store, owner, 1);
  }
  setWriteLow(log, segs.slice(0, -1));
  if (withWatch) log.writePaths.push(segsToPath(segs));
}

function txRm(work: TreeWork, store: Store, log: TxLog, domid: number, segs: string[]): void {
  // Real oxenstored empties the whole store on `rm /`; the engine contract says EINVAL.
  if (segs.length === 0) throw new XsError('EINVAL', 'cannot remove /');
  // A missing last component is not an error (do_rm swallows Doesnt_exist);
  // a missing intermediate one is ENOENT (Not_found).
  const removed = getNodeStrict(work, store.root, segs);
  if (removed === undefined) return;
  {
    store.root = modifyAt(work, store.root, segs, (parent, name) => {
      const ent = findChild(work, parent, name);
      if (ent === undefined) throw new XsError('ENOENT', segsToPath(segs));
      requireAccess(ent.perms, domid, 'write', segs);
      return withoutChild(work, parent, name);
    });
  }
  const counts = new Map<number, number>();
  forEachNode(removed, (n) => {
    const o = permsOwner(n.perms);
    if (o !== 0) counts.set(o, (counts.get(o) ?? 0) + 1);
  });
  for (const [o, c] of counts) addEntries(store, o, -c);
  setWriteLow(log, segs.slice(0, -1));
  log.writePaths.push(segsToPath(segs));
}

function txSetPerms(
  work: TreeWork, store: Store, log: TxLog, domid: number, segs: string[], perms: readonly string[],
): void {
  const node = getNodeStrict(work, store.root, segs);
  if (node === undefined) throw new XsError('ENOENT', segsToPath(segs));
  const oldOwner = permsOwner(node.perms);
  const newOwner = permsOwner(perms);
  if (oldOwner !== newOwner && domid !== 0) throw new XsError('EACCES', 'only dom0 may change the owner');
  const copy = perms.slice();
  if (segs.length === 0) {
    requireAccess(store.root.perms, domid, 'write', segs);
    store.root = withPerms(work, store.root, copy);
  } else {
    store.root = modifyAt(work, store.root, segs, (parent, name) => {
      const c = findChild(work, parent, name);
      if (c === undefined) throw new XsError('ENOENT', segsToPath(segs));
      if (domid !== 0 && permsOwner(c.perms) !== domid) throw new XsError('EACCES', `dom${domid} does not own ${segsToPath(segs)}`);
      requireAccess(c.perms, domid, 'write', segs);
      return withChild(work, parent, withPerms(work, c, copy));
    });
  }
  addEntries(store, oldOwner, -1);
  addEntries(store, newOwner, 1);
  setWriteLow(log, segs);
  log.writePaths.push(segsToPath(segs));
}

/** Byte-for-byte equality of two replies (oxenstored `Packet.response_equal`). */
export function sameReply(a: Reply, b: Reply): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
