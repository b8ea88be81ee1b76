/**
 * The engine contract: the system under test. Every engine (one folder each)
 * implements {@link Engine}; the daemon, the tests and the benchmarks use
 * nothing else. Engines are synchronous and contain no timing code: the
 * callers measure, the engines only count the work they do.
 */

/** Names of the built-in engines. */
export type EngineKind = 'tdb' | 'trie' | 'tdb-pernode' | 'trie-replay';

/** Every built-in engine kind, in presentation order. */
export const ENGINE_KINDS: readonly EngineKind[] = ['tdb', 'trie', 'tdb-pernode', 'trie-replay'];

/**
 * How a file-backed engine (`tdb`) keeps its store: `file`, real files in
 * {@link EngineOptions.dir} (the 2009 daemon on disk; for real-time runs), or
 * `memory`, the same layout in memory (TDB's `TDB_INTERNAL`; for the
 * simulated clock). Both give identical replies and counters.
 */
export type EngineStorage = 'file' | 'memory';

/** Options common to every engine. */
export interface EngineOptions {
  /**
   * Where a file-backed engine keeps its files with storage `file` (created
   * if missing; default: a fresh temp dir, removed on close). An unusable
   * dir throws `EINVAL` at once.
   */
  readonly dir?: string;
  /**
   * Storage of a file-backed engine (default `file`; `memory` takes no
   * `dir`). Engines that keep their store in memory anyway ignore it.
   */
  readonly storage?: EngineStorage;
  /**
   * Most nodes an unprivileged domain may own (`EQUOTA` past it; dom0 is
   * exempt). Default 1000, oxenstored's `quota-maxentity`.
   */
  readonly maxNodesPerDomain?: number;
}

/** Default for {@link EngineOptions.maxNodesPerDomain}. */
export const DEFAULT_MAX_NODES_PER_DOMAIN = 1000;

/**
 * Counters every engine reports, with one meaning everywhere. The counting
 * wrapper (engines/counted.ts) counts them around the engine's calls; no
 * engine counts them itself.
 *
 * - `reads`, `writes`, `directories`, `rms`, `mkdirs`, `getPerms`,
 *   `setPerms`, `txStarts`: calls received, each one, whether it succeeded
 *   or threw;
 * - `commits`: `txEnd(commit = true)` calls that succeeded (the
 *   transaction's changes, if any, are in the store; read-only commits and
 *   commits the engine coalesced or replayed included);
 * - `aborts`: `txEnd(commit = true)` calls refused with `EAGAIN` — conflicts,
 *   the transactions a client must retry — and nothing else;
 * - `voluntaryAborts`: transactions the caller ended without committing
 *   (`txEnd(commit = false)` that succeeded).
 *
 * A commit refused with another error (e.g. `tdb-pernode`'s ENOMEM or
 * EQUOTA) is neither: an engine that can refuse so counts it under its own
 * name (`failedCommits`).
 */
export const COMMON_COUNTER_NAMES = [
  'reads', 'writes', 'directories', 'rms', 'mkdirs', 'getPerms', 'setPerms',
  'txStarts', 'commits', 'aborts', 'voluntaryAborts',
] as const;

/** Name of a counter every engine reports ({@link COMMON_COUNTER_NAMES}). */
export type CommonCounterName = (typeof COMMON_COUNTER_NAMES)[number];

/**
 * The operations of a store, without counters: what an engine folder
 * implements. {@link Engine} adds the counting (engines/counted.ts). Every
 * call names the calling domain (0 = privileged dom0) and the transaction
 * (`txId` 0 = none). Paths are absolute (`EINVAL` otherwise); values are
 * byte strings, one char per byte (latin1: a char above 0xFF is `EINVAL`).
 * Failures throw `XsError` with a xenstore errno name.
 */
export interface EngineOperations {
  /** Which engine this is. */
  readonly kind: EngineKind;
  /** Value of a node (`ENOENT` if missing, `EACCES` if not readable). */
  read(domid: number, txId: number, path: string): string;
  /** Sets a node's value, creating it and any missing parents. */
  write(domid: number, txId: number, path: string, value: string): void;
  /** Creates a node with an empty value (and missing parents); an existing node is left alone. */
  mkdir(domid: number, txId: number, path: string): void;
  /** Removes a node and everything below it. */
  rm(domid: number, txId: number, path: string): void;
  /** Names of a node's children, in the engine's order. */
  directory(domid: number, txId: number, path: string): string[];
  /** Permissions of a node in wire text form, e.g. `['b0']`, `['n5','r0']`. */
  getPerms(domid: number, txId: number, path: string): string[];
  /** Replaces a node's permissions (wire text form). */
  setPerms(domid: number, txId: number, path: string, perms: string[]): void;
  /** Starts a transaction for `domid`; returns its non-zero id. */
  txStart(domid: number): number;
  /**
   * Ends a transaction. With `commit`, returns the paths the commit changed
   * (for watches), or throws `EAGAIN` when the engine refuses it; an abort
   * returns `[]`. An unknown `txId` throws `ENOENT`.
   */
  txEnd(domid: number, txId: number, commit: boolean): string[];
  /** Releases files and handles. The engine is unusable afterwards. */
  close(): void;
  /**
   * Whom the daemon must not serve for now, and the clock it needs (only
   * engines that model a daemon's throttling, e.g. `trie-replay`). The
   * daemon skips paused domains; its host calls `refill()` every
   * `refillSeconds`.
   */
  readonly throttle?: ConflictThrottle;
}

/**
 * A xenstore store with transactions (see {@link EngineOperations}) and the
 * counters of the work it did: {@link COMMON_COUNTER_NAMES} plus the
 * engine's own (`N`, documented by each engine: bytes copied, nodes
 * allocated...), in a fixed order, all present from the start.
 */
export interface Engine<N extends string = string> extends EngineOperations {
  /** A snapshot of the counters: a fresh object the caller may keep or change (a copy: not for every request). */
  counters(): Record<N, number>;
  /**
   * The counters themselves, updated in place as the engine works: the same
   * object for the engine's whole life, read-only for callers, free to read
   * on every request (the simulated driver prices requests from it).
   */
  readonly liveCounters: Readonly<Record<N, number>>;
}

/**
 * Conflict-credit throttling (oxenstored's, in the `trie-replay` engine), for the daemon and its hosts.
 * Nothing here changes what the engine answers; it says whom to delay.
 */
export interface ConflictThrottle {
  /** Credit cap and initial credit of a domain. */
  readonly burstLimit: number;
  /** How often the caller must call {@link refill}, in seconds. */
  readonly refillSeconds: number;
  /** Current credit of `domid` (the cap for dom0 and unknown domains). */
  credit(domid: number): number;
  /** True when the daemon must not process requests from `domid` now (credit <= 0). */
  isPaused(domid: number): boolean;
  /** Domains currently paused, ascending. */
  pausedDomains(): number[];
  /** True when some domain is paused (cheap: for a host's hot loop). */
  hasPaused(): boolean;
  /**
   * One period of `refillSeconds` has passed: trims the commit history and
   * gives one point of credit to one domain (oxenstored's `frequent_ops`).
   */
  refill(): void;
  /**
   * Registers a listener called when the first domain gets paused (the
   * queue of paused domains was empty): oxenstored then restarts its
   * refill countdown, so the next refill comes a full period later.
   */
  onFirstPause(listener: (() => void) | null): void;
}


/** Builds an engine of one kind. */
export type EngineFactory = (options: EngineOptions) => Engine;
