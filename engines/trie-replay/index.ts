/**
 * The `trie-replay` engine: oxenstored since 2016–17, as Xen 4.17 behaves
 * (`tools/ocaml/xenstored/transaction.ml`, `process.ml`, `history.ml`,
 * `store.ml`, `domains.ml`; facts only, no code copied):
 * - the store is an immutable tree; a transaction starts from the current
 *   root (a snapshot, O(1)) and records every request with its reply;
 * - read-only transactions (no write, mkdir, rm or setperms that took
 *   effect) always commit, unvalidated;
 * - commit: if the live root is still the start root, swap roots; else
 *   coalesce as in 2009 (the nodes at the read and the write low-paths are
 *   physically the same in the start and the live root, and the ancestors'
 *   permissions are unchanged; a read that failed with ENOENT does not enter
 *   the read low-path); else REPLAY the recorded requests on the live store
 *   and commit if every reply is byte-identical; else EAGAIN;
 * - a failed replay charges the guest domains whose commits caused it
 *   (conflict credits, see {@link ConflictThrottle} in `throttle.ts`).
 */
import { XsError, isXsError } from '../common/errors.ts';
import type { XsErrno } from '../common/errors.ts';
import { ROOT_PERMS, samePerms } from '../common/perms.ts';
import type { Engine, EngineOperations, EngineOptions } from '../types.ts';
import { CountedEngine, zeroCounters } from '../counted.ts';
import { DEFAULT_MAX_NODES_PER_DOMAIN } from '../types.ts';
import type { Reply, Request, Store, TxLog } from './store.ts';
import { execute, getNodeStrict, newTxLog, sameReply } from './store.ts';
import type { ThrottleCounters } from './throttle.ts';
import { CreditLedger } from './throttle.ts';
import type { ConflictThrottle } from './throttle.ts';
import type { TreeWork, TrieNode } from './tree.ts';
import { NO_KIDS, getNodeAt, makeNode, setNodeAt } from './tree.ts';

export { CONFLICT_BURST_LIMIT, CONFLICT_REFILL_SECONDS } from './throttle.ts';
export type { ConflictThrottle } from './throttle.ts';

/** oxenstored's `quota-maxrequests`: most requests in one transaction of a guest (EQUOTA past it). */
export const MAX_REQUESTS_PER_TRANSACTION = 1024;

/** A recorded reply: the value/names/perms/ack, or an error name. */
type Outcome = { readonly ok: Reply } | { readonly err: XsErrno };

interface RecordedRequest {
  readonly req: Request;
  readonly outcome: Outcome;
}

interface Transaction {
  readonly id: number;
  readonly domid: number;
  /** The live root at start (`oldroot`). */
  readonly startRoot: TrieNode;
  /** The transaction's own store (starts as the snapshot). */
  readonly store: Store;
  readonly log: TxLog;
  readonly requests: RecordedRequest[];
  /** Commit count at start (`start_count`). */
  readonly startCount: number;
  /** Refill period in which it started (for history trimming). */
  readonly startEpoch: number;
  quotaReached: boolean;
}

/** A committed change by a guest domain (`History.history_record`). */
interface HistoryRecord {
  readonly domid: number;
  readonly before: TrieNode;
  /** The root after the change; `null` = the live store (oxenstored keeps the canonical store itself). */
  readonly after: TrieNode | null;
  readonly finishCount: number;
}

/** Every counter, in the order results show them. */
export const TRIE_REPLAY_COUNTER_NAMES = [
  'reads', 'writes', 'directories', 'rms', 'mkdirs', 'getPerms', 'setPerms',
  'txStarts', 'commits', 'aborts', 'voluntaryAborts', 'conflicts', 'readOnlyCommits',
  'coalescedCommits', 'replays', 'replayedRequests', 'replayCommits',
  'nodesVisited', 'nodesAllocated', 'bytesAllocated',
  'conflictsBlamed', 'domainPauses', 'creditRefills',
] as const;

/** Name of a `trie-replay` counter. */
export type TrieReplayCounterName = (typeof TRIE_REPLAY_COUNTER_NAMES)[number];

/** Every counter (the common ones are in engines/types.ts: `aborts` counts EAGAIN refusals only). */
export type TrieReplayCounters = Record<TrieReplayCounterName, number>;

/**
 * The engine's work: `conflicts` (commits refused with EAGAIN — the same as
 * `aborts`, the name this engine used for them before `aborts` meant only
 * that); `readOnlyCommits` (commits without a write, also in `commits`);
 * `coalescedCommits` and `replayCommits` (how the other commits got in when
 * the live root had moved); `replays`, `replayedRequests`; tree work
 * `nodesVisited`, `nodesAllocated`, `bytesAllocated` (estimate, see
 * tree.ts); throttling `conflictsBlamed`, `domainPauses`, `creditRefills`
 * (throttle.ts).
 */
type Work = Record<'conflicts' | 'readOnlyCommits' | 'coalescedCommits' | 'replays' | 'replayedRequests' | 'replayCommits', number>
  & TreeWork & ThrottleCounters;

const RETAINED: ReadonlySet<Request['type']> = new Set(['write', 'mkdir', 'rm', 'setPerms']);

/** The engine's operations; {@link TrieReplayEngine} counts around them. */
class TrieReplayOperations implements EngineOperations {
  readonly kind = 'trie-replay' as const;
  /** Conflict-credit throttling state; see {@link ConflictThrottle}. */
  readonly throttle: ConflictThrottle;
  readonly #ledger: CreditLedger;
  readonly #work: Work;
  readonly #live: Store;
  readonly #maxNodes: number;
  readonly #transactions = new Map<number, Transaction>();
  /** Open transactions in start order (`short_running_txns`). */
  #tracked: Transaction[] = [];
  /** Newest first, as oxenstored's list. */
  #history: HistoryRecord[] = [];
  #commitCount = 0;
  #epoch = 0;
  #nextTxId = 1;
  #closed = false;
  readonly #scratch: TxLog = newTxLog();

  constructor(options: EngineOptions, counters: Work) {
    this.#maxNodes = options.maxNodesPerDomain ?? DEFAULT_MAX_NODES_PER_DOMAIN;
    this.#work = counters;
    this.#live = { root: makeNode(this.#work, '', ROOT_PERMS, '', NO_KIDS), entries: new Map(), entryDelta: null };
    this.#ledger = new CreditLedger(this.#work, () => {
      this.#epoch++;
      this.#trim(null);
    });
    this.throttle = this.#ledger;
  }

  read(domid: number, txId: number, path: string): string {
    return this.#run(domid, txId, { type: 'read', path, segs: undefined }) as string;
  }

  directory(domid: number, txId: number, path: string): string[] {
    return (this.#run(domid, txId, { type: 'directory', path, segs: undefined }) as readonly string[]).slice();
  }

  getPerms(domid: number, txId: number, path: string): string[] {
    return (this.#run(domid, txId, { type: 'getPerms', path, segs: undefined }) as readonly string[]).slice();
  }

  write(domid: number, txId: number, path: string, value: string): void {
    this.#run(domid, txId, { type: 'write', path, value, segs: undefined });
  }

  mkdir(domid: number, txId: number, path: string): void {
    this.#run(domid, txId, { type: 'mkdir', path, segs: undefined });
  }

  rm(domid: number, txId: number, path: string): void {
    this.#run(domid, txId, { type: 'rm', path, segs: undefined });
  }

  setPerms(domid: number, txId: number, path: string, perms: string[]): void {
    this.#run(domid, txId, { type: 'setPerms', path, perms: perms.slice(), segs: undefined });
  }

  txStart(domid: number): number {
    this.#checkOpen();
    const id = this.#nextTxId++;
    const tx: Transaction = {
      id, domid,
      startRoot: this.#live.root,
      store: { root: this.#live.root, entries: this.#live.entries, entryDelta: new Map() },
      log: newTxLog(),
      requests: [],
      startCount: this.#commitCount,
      startEpoch: this.#epoch,
      quotaReached: false,
    };
    this.#transactions.set(id, tx);
    this.#tracked.push(tx);
    return id;
  }

  txEnd(domid: number, txId: number, commit: boolean): string[] {
    this.#checkOpen();
    const tx = this.#find(domid, txId);
    this.#transactions.delete(txId);
    const writing = commit && tx.log.writePaths.length > 0;
    const success = !writing || this.#commit(tx) || this.#replay(tx);
    // History.end_transaction trims after the commit attempt (and its blame).
    this.#trim(tx);
    if (!success) {
      this.#work.conflicts++;
      throw new XsError('EAGAIN', `transaction ${txId} conflicts and its replay differs`);
    }
    if (!commit) return [];
    if (!writing) {
      this.#work.readOnlyCommits++;
      return [];
    }
    this.#recordCommit(domid, tx.startRoot, null);
    return [...new Set(tx.log.writePaths)];
  }

  close(): void {
    this.#closed = true;
    this.#transactions.clear();
    this.#tracked = [];
    this.#history = [];
  }

  #checkOpen(): void {
    if (this.#closed) throw new XsError('EIO', 'engine is closed');
  }

  #find(domid: number, txId: number): Transaction {
    const tx = this.#transactions.get(txId);
    if (tx === undefined || tx.domid !== domid) throw new XsError('ENOENT', `no transaction ${txId}`);
    return tx;
  }

  #run(domid: number, txId: number, req: Request): Reply {
    this.#checkOpen();
    if (txId === 0) {
      const log = this.#scratch;
      log.readLow = null;
      log.writeLow = null;
      log.writePaths.length = 0;
      if (!RETAINED.has(req.type)) return execute(this.#work, this.#live, log, domid, req, this.#maxNodes);
      // Every non-transactional change is a commit of its own in the history.
      const before = this.#live.root;
      try {
        return execute(this.#work, this.#live, log, domid, req, this.#maxNodes);
      } finally {
        this.#recordCommit(domid, before, this.#live.root);
      }
    }
    const tx = this.#find(domid, txId);
    if (domid !== 0 && (tx.quotaReached || tx.requests.length >= MAX_REQUESTS_PER_TRANSACTION)) {
      tx.quotaReached = true;
      throw new XsError('EQUOTA', `more than ${MAX_REQUESTS_PER_TRANSACTION} requests in one transaction`);
    }
    try {
      const reply = execute(this.#work, tx.store, tx.log, domid, req, this.#maxNodes);
      tx.requests.push({ req, outcome: { ok: reply } });
      return reply;
    } catch (e) {
      if (isXsError(e)) tx.requests.push({ req, outcome: { err: e.code } });
      throw e;
    }
  }

  /** `record_commit`: counts every change, keeps guest domains' ones in the history. */
  #recordCommit(domid: number, before: TrieNode, after: TrieNode | null): void {
    this.#commitCount++;
    if (domid === 0) return;
    this.#history.unshift({ domid, before, after, finishCount: this.#commitCount });
  }

  /** Transaction.commit: swap roots, or coalesce. */
  #commit(tx: Transaction): boolean {
    const live = this.#live;
    if (tx.startRoot === live.root) {
      live.root = tx.store.root;
      this.#applyEntries(tx.store);
      return true;
    }
    if (!this.#canCoalesce(tx.startRoot, live.root, tx.log.readLow)
      || !this.#canCoalesce(tx.startRoot, live.root, tx.log.writeLow)) return false;
    if (tx.log.writeLow !== null) {
      const n = getNodeAt(this.#work, tx.store.root, tx.log.writeLow);
      if (n !== undefined) live.root = setNodeAt(this.#work, live.root, tx.log.writeLow, n);
    }
    this.#applyEntries(tx.store);
    this.#work.coalescedCommits++;
    return true;
  }

  /** `test_coalesce`, with any failure meaning "cannot". */
  #canCoalesce(oldRoot: TrieNode, currentRoot: TrieNode, segs: string[] | null): boolean {
    if (segs === null) return true;
    const w = this.#work;
    try {
      const oldNode = getNodeStrict(w, oldRoot, segs);
      const currentNode = getNodeStrict(w, currentRoot, segs);
      if (oldNode !== undefined && currentNode !== undefined) {
        if (oldNode !== currentNode) return false;
        // check_parents_perms_identical: every prefix, root to the node itself.
        for (let i = 0; i <= segs.length; i++) {
          const a = getNodeStrict(w, oldRoot, segs.slice(0, i));
          const b = getNodeStrict(w, currentRoot, segs.slice(0, i));
          if (a === undefined || b === undefined || !samePerms(a.perms, b.perms)) return false;
        }
        return true;
      }
      if (oldNode === undefined && currentNode === undefined) {
        // Missing in both: fine if the parent exists now.
        return getNodeStrict(w, currentRoot, segs.slice(0, -1)) !== undefined;
      }
      return false;
    } catch {
      return false;
    }
  }

  /** transaction_replay: re-run the requests on the live store; commit if every reply is identical. */
  #replay(tx: Transaction): boolean {
    const w = this.#work;
    w.replays++;
    const start = this.#live.root;
    const store: Store = { root: start, entries: this.#live.entries, entryDelta: new Map() };
    const log = newTxLog();
    if (!this.#replaysOn(store, log, tx, true)) {
      this.#blame(tx);
      return false;
    }
    if (log.writePaths.length > 0) {
      this.#live.root = store.root;
      this.#applyEntries(store);
    }
    w.replayCommits++;
    return true;
  }

  /** Runs `tx`'s requests on `store`; true when every reply equals the recorded one. */
  #replaysOn(store: Store, log: TxLog, tx: Transaction, count: boolean): boolean {
    for (const { req, outcome } of tx.requests) {
      if (count) this.#work.replayedRequests++;
      let again: Outcome;
      try {
        again = { ok: execute(this.#work, store, log, tx.domid, req, this.#maxNodes) };
      } catch (e) {
        if (!isXsError(e)) throw e;
        again = { err: e.code };
      }
      if ('err' in outcome) {
        if (!('err' in again) || again.err !== outcome.err) return false;
      } else if ('err' in again || !sameReply(outcome.ok, again.ok)) {
        return false;
      }
    }
    return true;
  }

  /**
   * judge_and_sentence: every other guest domain with a commit since the
   * transaction started, before which the requests would have replayed and
   * after which they would not, loses one point of credit.
   */
  #blame(tx: Transaction): void {
    const judged = new Set<number>();
    for (const rec of this.#history) {
      if (rec.finishCount <= tx.startCount || rec.domid === tx.domid || judged.has(rec.domid)) continue;
      const canApplyOn = (root: TrieNode): boolean => this.#replaysOn(
        { root, entries: this.#live.entries, entryDelta: new Map() }, newTxLog(), tx, false,
      );
      if (canApplyOn(rec.before) && !canApplyOn(rec.after ?? this.#live.root)) {
        judged.add(rec.domid);
        this.#ledger.charge(rec.domid);
      }
    }
  }

  /** History.trim: forget transactions older than one refill period, and the history nobody needs. */
  #trim(ended: Transaction | null): void {
    const oldestKept = this.#epoch - 1;
    this.#tracked = this.#tracked.filter((t) => t !== ended && t.startEpoch >= oldestKept);
    const oldest = this.#tracked[0];
    if (oldest === undefined) {
      this.#history = [];
      return;
    }
    this.#history = this.#history.filter((r) => r.finishCount > oldest.startCount);
  }

  #applyEntries(store: Store): void {
    if (store.entryDelta === null) return;
    for (const [d, delta] of store.entryDelta) {
      if (delta !== 0) this.#live.entries.set(d, (this.#live.entries.get(d) ?? 0) + delta);
    }
  }
}

/** The `trie-replay` engine: {@link TrieReplayOperations} with its counters and its conflict throttle. */
export class TrieReplayEngine extends CountedEngine<TrieReplayCounterName> {
  declare readonly throttle: ConflictThrottle;

  constructor(options: EngineOptions = {}) {
    const counters = zeroCounters(TRIE_REPLAY_COUNTER_NAMES);
    super(new TrieReplayOperations(options, counters), counters);
  }
}

/** Creates a `trie-replay` engine (in memory; `options.dir` and `options.storage` are not used). */
export function createTrieReplayEngine(options: EngineOptions): TrieReplayEngine {
  return new TrieReplayEngine(options);
}

/** True when `engine` exposes oxenstored's conflict-credit throttling (a `trie-replay` engine). */
export function hasConflictThrottle(engine: Engine): engine is Engine & { readonly throttle: ConflictThrottle } {
  return (engine as { throttle?: unknown }).throttle instanceof CreditLedger;
}
