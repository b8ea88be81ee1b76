/**
 * The daemon's state as request handlers (daemon/handlers/) see it: the
 * engine, options and per-engine limits, counters, the watch registry,
 * the simulated domains, and the changes the request being served made
 * (watches fire from them once the reply has gone).
 */
import { XsError, isXsError } from '../engines/common/errors.ts';
import { isPathWithin, parentPath } from '../engines/common/paths.ts';
import type { Engine } from '../engines/types.ts';
import type { Connection } from './connection.ts';
import { ENGINE_LIMITS, withinPathLimit } from './limits.ts';
import type { EngineLimits } from './limits.ts';
import type { DaemonLog } from './log.ts';
import type { ResolvedDaemonOptions } from './options.ts';
import type { StatsCounters } from './stats.ts';
import type { Removal, WatchRegistry } from './watches.ts';

/** Permissions of nodes before a change, by path (XSA-115: who could read them before still hears of it). */
export type OldPerms = ReadonlyMap<string, readonly string[]>;

const WATCH_PATH_CHARS = /^[A-Za-z0-9\-/_@]*$/;

/** See the module comment. One per daemon. */
export class DaemonCore {
  readonly engine: Engine;
  readonly options: ResolvedDaemonOptions;
  readonly limits: EngineLimits;
  readonly stats: StatsCounters;
  readonly watches: WatchRegistry;
  readonly log: DaemonLog;
  /** Domains introduced (dom0 always is). */
  readonly introduced = new Set<number>([0]);
  /** SET_TARGET records (recorded only). */
  readonly targets = new Map<number, number>();
  /** Bumped by every change; DIRECTORY_PART's generation. */
  generation = 0;
  /** Transactions open in the whole daemon, and the cap (`ENOSPC` past it). */
  openTransactions = 0;
  readonly maxOpenTransactions: number;
  /** XSA-115: events to unprivileged connections only for nodes they may read. */
  readonly checkWatchPermissions: boolean;
  /** The host's clock at its last {@link Daemon.tick} (ms; 0 before the first). */
  nowMs = 0;
  // The changes of the request being served: the first `changeCount`
  // entries of parallel arrays (no object per change, no length writes).
  changeCount = 0;
  readonly changes: string[] = [];
  readonly changeRemoved: Removal[] = [];
  readonly changeOldPerms: (OldPerms | undefined)[] = [];

  constructor(engine: Engine, options: ResolvedDaemonOptions, maxOpenTransactions: number, stats: StatsCounters, watches: WatchRegistry, log: DaemonLog) {
    this.engine = engine;
    this.options = options;
    this.limits = ENGINE_LIMITS[engine.kind];
    this.maxOpenTransactions = maxOpenTransactions;
    this.checkWatchPermissions = options.checkWatchPermissions ?? this.limits.watchEventPermissions;
    this.stats = stats;
    this.watches = watches;
    this.log = log;
  }

  /** Records a change at `path` (fires watches after the reply). */
  changed(path: string, removed: Removal, oldPerms?: OldPerms): void {
    this.generation++;
    const i = this.changeCount++;
    this.changes[i] = path;
    this.changeRemoved[i] = removed;
    this.changeOldPerms[i] = oldPerms;
  }

  /** Forgets the changes of the request being served (it failed, or they fired). */
  clearChanges(): void {
    for (let i = 0; i < this.changeCount; i++) this.changeOldPerms[i] = undefined;
    this.changeCount = 0;
  }

  /** The engine transaction behind a request's `tx_id` (0: none; `ENOENT` if unknown). */
  txFor(c: Connection, txId: number): number {
    if (txId === 0) return 0;
    const tx = c.txs.get(txId);
    if (tx === undefined) throw new XsError('ENOENT', `no transaction ${txId}`);
    return tx.engineTx;
  }

  /**
   * A store path from a request, absolute, within the engine's path limit
   * (`EINVAL` otherwise). `@` names are only watch names (cxenstored
   * answers EINVAL to a READ of `@releaseDomain`). A relative path goes
   * under the caller's home; the engine checks the path's shape.
   */
  storePath(c: Connection, raw: string): string {
    const first = raw.charCodeAt(0);
    if (first === 64 /* @ */) throw new XsError('EINVAL', 'special @ names are not store paths');
    if (raw.length === 0) throw new XsError('EINVAL', 'empty path');
    const path = first === 47 /* / */ ? raw : c.home + raw;
    const limit = this.limits.storePath;
    if ((path.length > limit.max || raw.length > limit.max) && !withinPathLimit(limit, path, raw)) {
      throw new XsError('EINVAL', `path longer than the ${this.engine.kind} engine's limit (${limit.max} characters, ${limit.measure})`);
    }
    return path;
  }

  /**
   * A WATCH/UNWATCH path: a special `@` name, or a node path completed
   * under the caller's home (then `prefix` is what its events strip).
   * Checked for shape and against the engine's watch limits (`EINVAL`).
   */
  watchPath(c: Connection, raw: string): { path: string; prefix: string | undefined } {
    const limits = this.limits;
    if (raw.charCodeAt(0) === 64 /* @ */) {
      if (!WATCH_PATH_CHARS.test(raw) || (limits.specialWatchPath !== undefined && raw.length > limits.specialWatchPath)) {
        throw new XsError('EINVAL', 'bad special watch path');
      }
      return { path: raw, prefix: undefined };
    }
    const relative = raw.charCodeAt(0) !== 47;
    if (raw.length === 0 || !WATCH_PATH_CHARS.test(raw) || raw.includes('//') || (raw.length > 1 && raw.endsWith('/'))) {
      throw new XsError('EINVAL', 'bad watch path');
    }
    const path = relative ? c.home + raw : raw;
    const limit = limits.watchPath;
    if (limit !== undefined && !withinPathLimit(limit, path, raw)) {
      throw new XsError('EINVAL', `watch path longer than the ${this.engine.kind} engine's limit (${limit.max} characters, ${limit.measure})`);
    }
    return { path, prefix: relative ? c.home : undefined };
  }

  /** Whether `path` exists in the committed store (a dom0 read outside any transaction). */
  exists(path: string): boolean {
    try {
      this.engine.read(0, 0, path);
      return true;
    } catch (e) {
      if (isXsError(e, 'ENOENT')) return false;
      throw e;
    }
  }

  /** Committed permissions of `path`, or `undefined` when it does not exist. */
  permsOf(path: string): readonly string[] | undefined {
    try {
      return this.engine.getPerms(0, 0, path);
    } catch (e) {
      if (isXsError(e, 'ENOENT')) return undefined;
      throw e;
    }
  }

  /**
   * Before `path` and what lies below it change permissions or go away:
   * their committed permissions, for the watches of unprivileged
   * connections that the change will fire (XSA-115 lets whoever could read
   * a node before hear of its change). Nothing to keep (and no engine
   * read) when no unprivileged connection watches there.
   */
  permsBeforeChange(path: string, subtree: boolean, into?: Map<string, readonly string[]>): Map<string, readonly string[]> | undefined {
    if (!this.checkWatchPermissions || this.watches.unprivilegedCount === 0) return into;
    const paths = this.watches.unprivilegedWatchPathsAffected(path, subtree);
    if (paths.length === 0) return into;
    const out = into ?? new Map<string, readonly string[]>();
    const keep = (p: string): void => {
      if (out.has(p)) return;
      const perms = this.permsOf(p);
      if (perms !== undefined) out.set(p, perms);
    };
    keep(path);
    if (path !== '/') keep(parentPath(path));
    if (subtree) {
      for (const w of paths) {
        if (w !== path && isPathWithin(w, path)) {
          keep(w);
          keep(parentPath(w));
        }
      }
    }
    return out;
  }

  requirePrivileged(c: Connection): void {
    if (c.domid !== 0) throw new XsError('EACCES', 'privileged operation');
  }
}
