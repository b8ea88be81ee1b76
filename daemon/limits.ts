/**
 * Limits that differ by engine: each engine follows the real daemon it
 * models (daemon/README.md, "Limits per engine", has the sources and the
 * measurements behind every number).
 *
 * | engine | models | store paths | WATCH paths | events need read permission (XSA-115) |
 * |---|---|---|---|---|
 * | `tdb` | C xenstored of 2009 | ≤ 3072 chars, whole absolute path (`is_valid_nodename`) | same; `@` names ≤ 2048 | no |
 * | `tdb-pernode` | cxenstored 4.17 | ≤ 2048 chars not counting a `/local/domain/<id>/` prefix | same; `@` names ≤ 2048 | yes |
 * | `trie` | oxenstored of 2009 | ≤ 1024 chars as sent (`path_validate`, before a relative path is completed) | none | no |
 * | `trie-replay` | oxenstored 4.17 (Debian `quota-path-max = 1024`) | ≤ 1024 chars not counting a `/local/domain/<id>/` prefix (any number of digits) | none | yes |
 */
import { readFileSync } from 'node:fs';
import type { EngineKind } from '../engines/types.ts';

/** How a path's length is measured against a limit. */
export type PathMeasure =
  /** The whole absolute path (a relative one after completion under `/local/domain/<id>/`). */
  | 'whole'
  /** The absolute path minus a leading `/local/domain/<digits>/` (cxenstored 4.17's `sscanf("/local/domain/%5u/%n")`: 1 to 5 digits). */
  | 'below-domain-home'
  /** The path exactly as the client sent it (oxenstored of 2009 checks before completing a relative path). */
  | 'as-sent';

/** A path length rule: longer than `max` (measured by `measure`) is `EINVAL`. */
export interface PathLimit {
  readonly max: number;
  readonly measure: PathMeasure;
  /**
   * For `below-domain-home`: most digits of the domain id in the prefix
   * (cxenstored's `%5u`: 5; oxenstored strips any number, measured).
   */
  readonly domidDigits?: number;
}

/** The limits of one engine kind. */
export interface EngineLimits {
  /** The real daemon these limits follow. */
  readonly models: string;
  /** Paths naming store nodes (every request but WATCH/UNWATCH). */
  readonly storePath: PathLimit;
  /** WATCH paths naming nodes; `undefined`: no limit but the message size. */
  readonly watchPath: PathLimit | undefined;
  /** Longest `@` name a WATCH may give; `undefined`: no limit but the message size. */
  readonly specialWatchPath: number | undefined;
  /**
   * Every open transaction holds a file descriptor (the `tdb` engine's
   * copy of the database file), so the daemon caps the transactions open
   * at once (see {@link defaultMaxOpenTransactions}).
   */
  readonly descriptorPerTransaction: boolean;
  /**
   * Watch events reach an unprivileged connection only when its domain may
   * read the changed node (XSA-115, fixed in Xen 4.15; both 4.17 daemons
   * check). The 2009 daemons sent every event to every matching watch.
   */
  readonly watchEventPermissions: boolean;
}

/** Limits of every engine kind (one place). */
export const ENGINE_LIMITS: Readonly<Record<EngineKind, EngineLimits>> = Object.freeze({
  tdb: {
    models: 'C xenstored of 2009 (Xen 3.x sources)',
    storePath: { max: 3072, measure: 'whole' },
    watchPath: { max: 3072, measure: 'whole' },
    specialWatchPath: 2048,
    descriptorPerTransaction: true,
    watchEventPermissions: false,
  },
  'tdb-pernode': {
    models: 'cxenstored 4.17',
    storePath: { max: 2048, measure: 'below-domain-home', domidDigits: 5 },
    watchPath: { max: 2048, measure: 'below-domain-home', domidDigits: 5 },
    specialWatchPath: 2048,
    descriptorPerTransaction: false,
    watchEventPermissions: true,
  },
  trie: {
    models: 'oxenstored of 2009 (Xen 4.1 sources)',
    storePath: { max: 1024, measure: 'as-sent' },
    watchPath: undefined,
    specialWatchPath: undefined,
    descriptorPerTransaction: false,
    watchEventPermissions: false,
  },
  'trie-replay': {
    models: 'oxenstored 4.17 with Debian\'s oxenstored.conf',
    storePath: { max: 1024, measure: 'below-domain-home', domidDigits: Number.POSITIVE_INFINITY },
    watchPath: undefined,
    specialWatchPath: undefined,
    descriptorPerTransaction: false,
    watchEventPermissions: true,
  },
});

/** Length of a leading `/local/domain/<1 to maxDigits digits>/`, else 0. */
export function domainHomePrefixLength(path: string, maxDigits = 5): number {
  // "/local/domain/" is 14 characters.
  if (path.length < 16 || !path.startsWith('/local/domain/')) return 0;
  let i = 14;
  while (i < path.length && i < 14 + maxDigits) {
    const c = path.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i > 14 && path.charCodeAt(i) === 47 /* / */ ? i + 1 : 0;
}

/**
 * True when a path is within `limit`: `absolute` is the completed path,
 * `sent` what the client sent (the same string for an absolute path).
 */
export function withinPathLimit(limit: PathLimit, absolute: string, sent: string): boolean {
  switch (limit.measure) {
    case 'whole':
      return absolute.length <= limit.max;
    case 'as-sent':
      return sent.length <= limit.max;
    case 'below-domain-home':
      return absolute.length <= limit.max || absolute.length - domainHomePrefixLength(absolute, limit.domidDigits) <= limit.max;
  }
}

/** Most transactions a daemon whose engine holds a descriptor per transaction keeps open at once, by default. */
export const MAX_OPEN_TRANSACTIONS_CAP = 4096;

/**
 * The default cap on transactions open at once for an engine kind:
 * `Infinity` unless its transactions hold file descriptors; then half the
 * process's soft descriptor limit (the other half stays for sockets, the
 * store and Node), at most {@link MAX_OPEN_TRANSACTIONS_CAP}.
 */
export function defaultMaxOpenTransactions(kind: EngineKind): number {
  if (!ENGINE_LIMITS[kind].descriptorPerTransaction) return Number.POSITIVE_INFINITY;
  return Math.min(MAX_OPEN_TRANSACTIONS_CAP, Math.max(16, Math.floor(softDescriptorLimit() / 2)));
}

/** The soft `RLIMIT_NOFILE` of this process (Linux `/proc/self/limits`; 1024, the usual default, elsewhere). */
function softDescriptorLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    // not Linux
  }
  return 1024;
}
