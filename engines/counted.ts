/**
 * The one place that counts calls (YCSB's measuring `DB` wrapper): an
 * {@link Engine} is an engine folder's {@link EngineOperations} inside a
 * {@link CountedEngine}, which counts the {@link COMMON_COUNTER_NAMES}
 * around each call, in the same counters object that the engine adds its
 * own work counters to. Engines count only their work.
 */
import { isXsError } from './common/errors.ts';
import { COMMON_COUNTER_NAMES } from './types.ts';
import type { CommonCounterName, ConflictThrottle, Engine, EngineKind, EngineOperations } from './types.ts';

/**
 * A counters object with every name of `names` at 0, in that order (the
 * order results list them in). Built once per engine, so its shape never
 * changes and every increment is a plain field write.
 */
export function zeroCounters<N extends string>(names: readonly N[]): Record<N, number> {
  const counters = {} as Record<N, number>;
  for (const name of names) counters[name] = 0;
  return counters;
}

/** An engine's operations with the common counters counted around them; see the module comment. */
export class CountedEngine<N extends string> implements Engine<N> {
  readonly kind: EngineKind;
  readonly throttle?: ConflictThrottle;
  readonly liveCounters: Readonly<Record<N, number>>;
  readonly #ops: EngineOperations;
  readonly #c: Record<CommonCounterName, number>;

  /**
   * `counters` is the object `ops` adds its work to; it must hold every
   * common counter name too (an engine lists them where its results have
   * always shown them).
   */
  constructor(ops: EngineOperations, counters: Record<N, number>) {
    const missing = COMMON_COUNTER_NAMES.filter((name) => !(name in counters));
    if (missing.length > 0) throw new Error(`${ops.kind}: counters lack ${missing.join(', ')}`);
    this.kind = ops.kind;
    if (ops.throttle !== undefined) this.throttle = ops.throttle;
    this.#ops = ops;
    this.#c = counters as unknown as Record<CommonCounterName, number>;
    this.liveCounters = counters;
  }

  read(domid: number, txId: number, path: string): string {
    this.#c.reads++;
    return this.#ops.read(domid, txId, path);
  }

  write(domid: number, txId: number, path: string, value: string): void {
    this.#c.writes++;
    this.#ops.write(domid, txId, path, value);
  }

  mkdir(domid: number, txId: number, path: string): void {
    this.#c.mkdirs++;
    this.#ops.mkdir(domid, txId, path);
  }

  rm(domid: number, txId: number, path: string): void {
    this.#c.rms++;
    this.#ops.rm(domid, txId, path);
  }

  directory(domid: number, txId: number, path: string): string[] {
    this.#c.directories++;
    return this.#ops.directory(domid, txId, path);
  }

  getPerms(domid: number, txId: number, path: string): string[] {
    this.#c.getPerms++;
    return this.#ops.getPerms(domid, txId, path);
  }

  setPerms(domid: number, txId: number, path: string, perms: string[]): void {
    this.#c.setPerms++;
    this.#ops.setPerms(domid, txId, path, perms);
  }

  txStart(domid: number): number {
    this.#c.txStarts++;
    return this.#ops.txStart(domid);
  }

  txEnd(domid: number, txId: number, commit: boolean): string[] {
    if (!commit) {
      const changed = this.#ops.txEnd(domid, txId, false);
      this.#c.voluntaryAborts++;
      return changed;
    }
    let changed: string[];
    try {
      changed = this.#ops.txEnd(domid, txId, true);
    } catch (error) {
      if (isXsError(error, 'EAGAIN')) this.#c.aborts++;
      throw error;
    }
    this.#c.commits++;
    return changed;
  }

  counters(): Record<N, number> {
    return { ...this.liveCounters };
  }

  close(): void {
    this.#ops.close();
  }
}
