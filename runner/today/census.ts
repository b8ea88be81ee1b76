/**
 * Which nodes refuse commits: an engine wrapper that counts every EAGAIN
 * commit by the node the engine names as changed since the transaction
 * accessed it (`tdb-pernode`, the model of today's cxenstored, names it in
 * its error; engines that do not name a node are counted as `(unnamed)`).
 * Domain ids in paths are folded (`/local/domain/17/...` → `/local/domain/<id>/...`)
 * so the census groups conflicts by kind of node. Every call and error
 * passes through unchanged: a run with the census gives the same results.
 */
import { isXsError } from '../../engines/index.ts';
import type { Engine, EngineKind } from '../../engines/index.ts';
import type { ConflictThrottle } from '../../engines/types.ts';

/** What tdb-pernode's EAGAIN says: `EAGAIN: <path> changed since the transaction accessed it`. */
const NAMED_NODE = /^EAGAIN: (\/\S*) changed since/;

/** Folds domain ids and VM uuids out of a path, so one kind of node is one census line. */
export function nodeKind(path: string): string {
  return path
    .replace(/^\/local\/domain\/([1-9]\d*)(?=\/|$)/, '/local/domain/<id>')
    .replace(/^(\/local\/domain\/0\/backend\/[^/]+)\/\d+(?=\/|$)/, '$1/<id>')
    .replace(/^\/vm\/[0-9a-f-]{36}(?=\/|$)/, '/vm/<uuid>')
    .replace(/^\/libxl\/\d+(?=\/|$)/, '/libxl/<id>');
}

/** Counts refused commits by node kind; {@link wrap} an engine to feed it. */
export class ConflictCensus {
  readonly #byNode = new Map<string, number>();
  #total = 0;

  /** Refused commits counted so far. */
  get total(): number {
    return this.#total;
  }

  /** Node kind → refused commits, most frequent first (ties by name). */
  entries(): Array<{ node: string; conflicts: number }> {
    return [...this.#byNode].map(([node, conflicts]) => ({ node, conflicts }))
      .sort((a, b) => b.conflicts - a.conflicts || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  }

  /** Counts one refused commit from its error. */
  record(error: Error): void {
    const match = NAMED_NODE.exec(error.message);
    const node = match ? nodeKind(match[1]!) : '(unnamed)';
    this.#byNode.set(node, (this.#byNode.get(node) ?? 0) + 1);
    this.#total++;
  }

  /** An engine that behaves exactly like `inner` and reports its EAGAIN commits here. */
  wrap(inner: Engine): Engine {
    return new CensusEngine(inner, this);
  }
}

class CensusEngine implements Engine {
  readonly #inner: Engine;
  readonly #census: ConflictCensus;

  constructor(inner: Engine, census: ConflictCensus) {
    this.#inner = inner;
    this.#census = census;
  }

  get kind(): EngineKind {
    return this.#inner.kind;
  }

  get throttle(): ConflictThrottle | undefined {
    return this.#inner.throttle;
  }

  read(domid: number, txId: number, path: string): string {
    return this.#inner.read(domid, txId, path);
  }

  write(domid: number, txId: number, path: string, value: string): void {
    this.#inner.write(domid, txId, path, value);
  }

  mkdir(domid: number, txId: number, path: string): void {
    this.#inner.mkdir(domid, txId, path);
  }

  rm(domid: number, txId: number, path: string): void {
    this.#inner.rm(domid, txId, path);
  }

  directory(domid: number, txId: number, path: string): string[] {
    return this.#inner.directory(domid, txId, path);
  }

  getPerms(domid: number, txId: number, path: string): string[] {
    return this.#inner.getPerms(domid, txId, path);
  }

  setPerms(domid: number, txId: number, path: string, perms: string[]): void {
    this.#inner.setPerms(domid, txId, path, perms);
  }

  txStart(domid: number): number {
    return this.#inner.txStart(domid);
  }

  txEnd(domid: number, txId: number, commit: boolean): string[] {
    try {
      return this.#inner.txEnd(domid, txId, commit);
    } catch (error) {
      if (commit && isXsError(error, 'EAGAIN')) this.#census.record(error);
      throw error;
    }
  }

  counters(): Record<string, number> {
    return this.#inner.counters();
  }

  get liveCounters(): Readonly<Record<string, number>> {
    return this.#inner.liveCounters;
  }

  close(): void {
    this.#inner.close();
  }
}
