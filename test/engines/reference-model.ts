/**
 * A deliberately simple reference model of the semantics every xstorm
 * engine shares (a Map from path to node, no transactions), for the
 * property tests: same results and same errors as every engine, in the same
 * order of checks (path EINVAL, then value E2BIG / perms EINVAL, then
 * ENOENT, then EACCES, then EQUOTA). Directory order is creation order (the
 * 2009 daemons' order); engines with another order are compared as sets.
 */
import { XsError } from '../../engines/common/errors.ts';
import { PAYLOAD_MAX, childPath, isPathWithin, parentPath, validateAbsolutePath } from '../../engines/common/paths.ts';
import { ROOT_PERMS, hasAccess, inheritPerms, permsOwner, validatePerms } from '../../engines/common/perms.ts';
import type { Engine } from '../../engines/index.ts';

/** One node of the model. */
export interface RefNode {
  value: string;
  perms: readonly string[];
  /** Creation order among siblings. */
  seq: number;
}

/** One node of a store dump: path, value, perms and children in the store's order. */
export interface DumpEntry {
  path: string;
  value: string;
  perms: string[];
  kids: string[];
}

/** The reference store. */
export class RefStore {
  readonly nodes = new Map<string, RefNode>();
  #seq = 1;

  /**
   * `errnoFromParents`: C xenstored's rule (xenstored_core.c `errno_from_parents`,
   * modelled by `tdb-pernode`): an unprivileged domain asking for a missing
   * node gets EACCES instead of ENOENT when it lacks the operation's access
   * on the nearest existing ancestor.
   */
  constructor(readonly maxNodesPerDomain = 1000, readonly errnoFromParents = false) {
    this.nodes.set('/', { value: '', perms: ROOT_PERMS, seq: 0 });
  }

  /** A model holding exactly what `dump` describes (children's order kept as creation order). */
  static fromDump(dump: readonly DumpEntry[], maxNodesPerDomain = 1000, errnoFromParents = false): RefStore {
    const m = new RefStore(maxNodesPerDomain, errnoFromParents);
    m.nodes.clear();
    const byPath = new Map(dump.map((d) => [d.path, d]));
    const walk = (path: string, seq: number): void => {
      const d = byPath.get(path)!;
      m.nodes.set(path, { value: d.value, perms: d.perms.slice(), seq });
      for (const k of d.kids) walk(childPath(path, k), m.#seq++);
    };
    walk('/', 0);
    return m;
  }

  /** An independent copy. */
  clone(): RefStore {
    const m = new RefStore(this.maxNodesPerDomain, this.errnoFromParents);
    m.nodes.clear();
    for (const [p, n] of this.nodes) m.nodes.set(p, { ...n });
    m.#seq = this.#seq;
    return m;
  }

  read(domid: number, path: string): string {
    validateAbsolutePath(path);
    return this.#readable(domid, path).value;
  }

  directory(domid: number, path: string): string[] {
    validateAbsolutePath(path);
    this.#readable(domid, path);
    return this.#kids(path).map(([name]) => name);
  }

  getPerms(domid: number, path: string): string[] {
    validateAbsolutePath(path);
    return this.#readable(domid, path).perms.slice();
  }

  write(domid: number, path: string, value: string): void {
    validateAbsolutePath(path);
    if (value.length > PAYLOAD_MAX) throw new XsError('E2BIG');
    const n = this.nodes.get(path);
    if (n !== undefined) {
      this.#need(domid, n, 'write');
      n.value = value;
      return;
    }
    this.#create(domid, path, value);
  }

  mkdir(domid: number, path: string): void {
    validateAbsolutePath(path);
    const n = this.nodes.get(path);
    if (n !== undefined) {
      this.#need(domid, n, 'write');
      return;
    }
    this.#create(domid, path, '');
  }

  rm(domid: number, path: string): void {
    validateAbsolutePath(path);
    // C xenstored (errnoFromParents) checks write access on / before refusing it.
    if (path === '/' && this.errnoFromParents) this.#need(domid, this.nodes.get('/')!, 'write');
    if (path === '/') throw new XsError('EINVAL');
    const n = this.nodes.get(path);
    if (n === undefined) {
      this.#missing(domid, path, 'write');
      if (this.nodes.has(parentPath(path))) return;
      throw new XsError('ENOENT');
    }
    this.#need(domid, n, 'write');
    for (const p of [...this.nodes.keys()]) if (isPathWithin(p, path)) this.nodes.delete(p);
  }

  setPerms(domid: number, path: string, perms: string[]): void {
    validateAbsolutePath(path);
    validatePerms(perms);
    const n = this.nodes.get(path);
    if (n === undefined) {
      this.#missing(domid, path, 'write');
      throw new XsError('ENOENT');
    }
    if (domid !== 0 && permsOwner(n.perms) !== domid) throw new XsError('EACCES');
    this.#need(domid, n, 'write');
    const newOwner = permsOwner(perms);
    if (newOwner !== 0 && newOwner !== permsOwner(n.perms) && this.owned(newOwner) + 1 > this.maxNodesPerDomain) {
      throw new XsError('EQUOTA');
    }
    n.perms = perms.slice();
  }

  /** Nodes owned by `domid`. */
  owned(domid: number): number {
    let c = 0;
    for (const n of this.nodes.values()) if (permsOwner(n.perms) === domid) c++;
    return c;
  }

  /** The whole store, parents before children, children in creation order. */
  dump(): DumpEntry[] {
    const out: DumpEntry[] = [];
    const walk = (path: string): void => {
      const n = this.nodes.get(path)!;
      const kids = this.#kids(path).map(([k]) => k);
      out.push({ path, value: n.value, perms: n.perms.slice(), kids });
      for (const k of kids) walk(childPath(path, k));
    };
    walk('/');
    return out;
  }

  #kids(path: string): Array<[string, RefNode]> {
    const out: Array<[string, RefNode]> = [];
    for (const [p, n] of this.nodes) {
      if (p !== '/' && parentPath(p) === path) out.push([p.slice(p.lastIndexOf('/') + 1), n]);
    }
    return out.sort((a, b) => a[1].seq - b[1].seq);
  }

  #readable(domid: number, path: string): RefNode {
    const n = this.nodes.get(path);
    if (n === undefined) {
      this.#missing(domid, path, 'read');
      throw new XsError('ENOENT');
    }
    this.#need(domid, n, 'read');
    return n;
  }

  /** With `errnoFromParents`: EACCES when `path` is missing and its nearest ancestor is not accessible. */
  #missing(domid: number, path: string, access: 'read' | 'write'): void {
    if (!this.errnoFromParents || domid === 0) return;
    let p = parentPath(path);
    while (!this.nodes.has(p)) p = parentPath(p);
    this.#need(domid, this.nodes.get(p)!, access);
  }

  #need(domid: number, n: RefNode, access: 'read' | 'write'): void {
    if (!hasAccess(n.perms, domid, access)) throw new XsError('EACCES');
  }

  #create(domid: number, path: string, value: string): void {
    const missing: string[] = [];
    let p = path;
    while (!this.nodes.has(p)) {
      missing.push(p);
      p = parentPath(p);
    }
    const anc = this.nodes.get(p)!;
    this.#need(domid, anc, 'write');
    const perms = inheritPerms(anc.perms, domid);
    const owner = permsOwner(perms);
    if (owner !== 0 && this.owned(owner) + missing.length > this.maxNodesPerDomain) throw new XsError('EQUOTA');
    for (let i = missing.length - 1; i >= 0; i--) {
      this.nodes.set(missing[i]!, { value: i === 0 ? value : '', perms, seq: this.#seq++ });
    }
  }
}

/** Dumps an engine's live store (dom0, no transaction), parents first, children in the engine's order. */
export function dumpEngine(e: Engine): DumpEntry[] {
  const out: DumpEntry[] = [];
  const walk = (path: string): void => {
    const kids = e.directory(0, 0, path);
    out.push({ path, value: e.read(0, 0, path), perms: e.getPerms(0, 0, path), kids });
    for (const k of kids) walk(childPath(path, k));
  };
  walk('/');
  return out;
}

/** A dump with every child list sorted: for comparing engines whose listing order differs. */
export function sortedDump(dump: readonly DumpEntry[]): DumpEntry[] {
  return dump.map((d) => ({ ...d, kids: [...d.kids].sort() })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
