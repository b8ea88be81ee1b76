/**
 * The watch registry: which connection wants to hear about which path.
 *
 * Matching follows both real daemons (measured with ../shared/realxs): a
 * watch on W fires for a change at C when C is W or lies below it; the
 * removal of C also fires every watch registered below C, with the watch's
 * own path as the event path, before the others. Events go out in
 * registration order (cxenstored's order). Watches are indexed by path so a change costs
 * O(depth of C) lookups, not a scan of every watch.
 */
import { isPathWithin } from '../engines/common/paths.ts';

/** One registered watch. */
export interface Watch {
  /** Owner (opaque to the registry). */
  readonly owner: WatchOwner;
  /** Absolute store path, or a special `@...` name. */
  readonly path: string;
  readonly token: string;
  /** The prefix stripped from event paths for a relative watch (`/local/domain/<id>/`), else `undefined`. */
  readonly relativePrefix: string | undefined;
  /** Registration order, for event order. */
  readonly seq: number;
}

/** What the registry needs of a watch owner. */
export interface WatchOwner {
  readonly closed: boolean;
  /** The owner's domain: watches of unprivileged ones (not 0) are counted apart (XSA-115 checks). */
  readonly domid: number;
}

/** How a change removed its node: not at all, by RM, or by a transaction's commit. */
export type Removal = undefined | 'rm' | 'commit';

/** A watch that matched a change, with the path its event carries. */
export interface WatchHit {
  readonly watch: Watch;
  readonly eventPath: string;
}

/** All watches of a daemon, indexed by path. */
export class WatchRegistry {
  readonly #byPath = new Map<string, Watch[]>();
  #size = 0;
  #seq = 0;
  #unprivileged = 0;

  /** Number of registered watches. */
  get size(): number {
    return this.#size;
  }

  /** Number of watches whose owner is not dom0 (0: no event needs a permission check). */
  get unprivilegedCount(): number {
    return this.#unprivileged;
  }

  /** Registers a watch and returns it. */
  add(owner: WatchOwner, path: string, token: string, relativePrefix: string | undefined): Watch {
    const watch: Watch = { owner, path, token, relativePrefix, seq: this.#seq++ };
    const list = this.#byPath.get(path);
    if (list) list.push(watch);
    else this.#byPath.set(path, [watch]);
    this.#size++;
    if (owner.domid !== 0) this.#unprivileged++;
    return watch;
  }

  /** Removes a watch (no-op if absent). */
  remove(watch: Watch): void {
    const list = this.#byPath.get(watch.path);
    if (!list) return;
    const i = list.indexOf(watch);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.#byPath.delete(watch.path);
    this.#size--;
    if (watch.owner.domid !== 0) this.#unprivileged--;
  }

  /**
   * Paths of the unprivileged watches a change at `path` fires: on `path`
   * or above it, and with `subtree` (a removal) below it too.
   */
  unprivilegedWatchPathsAffected(path: string, subtree: boolean): string[] {
    const out: string[] = [];
    if (this.#unprivileged === 0) return out;
    const take = (wpath: string): void => {
      const list = this.#byPath.get(wpath);
      if (list !== undefined && list.some((w) => w.owner.domid !== 0)) out.push(wpath);
    };
    take('/');
    for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) take(path.slice(0, i));
    if (path !== '/') take(path);
    if (subtree) {
      for (const [wpath, list] of this.#byPath) {
        if (wpath !== path && wpath.charCodeAt(0) === 47 && isPathWithin(wpath, path) && list.some((w) => w.owner.domid !== 0)) out.push(wpath);
      }
    }
    return out;
  }

  /**
   * Appends to `out` the watches a change at `path` fires; a removal
   * (`'rm'`, or `'commit'` for one committed by a transaction) adds the
   * watches below `path`. Special names (`@...`) match exactly.
   */
  collect(path: string, removed: Removal, out: WatchHit[]): void {
    if (this.#size === 0) return;
    const start = out.length;
    if (path.charCodeAt(0) !== 47 /* / */) {
      const list = this.#byPath.get(path);
      if (list) for (const w of list) out.push({ watch: w, eventPath: path });
      return;
    }
    // A plain removal first fires the watches below the removed node
    // (cxenstored deletes the children first, each firing the watches on
    // it), then the watches on the node and its ancestors; a removal
    // committed by a transaction fires them the other way round (what
    // cxenstored's commit does). Registration order within each group.
    if (removed === 'rm') this.#collectBelow(path, out, start);
    const mid = out.length;
    this.#addList('/', path, out);
    for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      this.#addList(path.slice(0, i), path, out);
    }
    if (path !== '/') this.#addList(path, path, out);
    sortFrom(out, mid);
    if (removed === 'commit') this.#collectBelow(path, out, out.length);
  }

  #collectBelow(path: string, out: WatchHit[], from: number): void {
    for (const [wpath, list] of this.#byPath) {
      if (wpath !== path && wpath.charCodeAt(0) === 47 && isPathWithin(wpath, path)) {
        for (const w of list) out.push({ watch: w, eventPath: wpath });
      }
    }
    sortFrom(out, from);
  }

  #addList(key: string, eventPath: string, out: WatchHit[]): void {
    const list = this.#byPath.get(key);
    if (list) for (const w of list) out.push({ watch: w, eventPath });
  }
}

/** Sorts `out[from..]` by registration order. */
function sortFrom(out: WatchHit[], from: number): void {
  if (out.length - from < 2) return;
  const hits = out.splice(from).sort((a, b) => a.watch.seq - b.watch.seq);
  for (const h of hits) out.push(h);
}
