/**
 * When a run ends, decided in one place for every driver: the duration
 * elapsed, the scenario's `endWhenDone` classes have all returned, every
 * actor has returned, the user stopped it (an AbortSignal: SIGINT/SIGTERM
 * in the CLI), or something failed (an actor's program, a worker thread,
 * the daemon). The first of these wins; a failure is kept even after.
 */

/** Why a run ended (a failure is reported apart, see {@link StopCondition.failure}). */
export type EndReason = 'duration' | 'endWhenDone' | 'allDone' | 'stopped';

/** What a {@link StopCondition} watches. */
export interface StopConditionOptions {
  /** The actor class of every actor of the run (one entry per actor). */
  readonly actorClasses: readonly string[];
  /** Classes whose completion ends the run (the scenario's `endWhenDone`). */
  readonly endWhenDone: readonly string[];
  /** Aborting it stops the run (reason `stopped`). */
  readonly signal?: AbortSignal;
}

/** The stop logic of one run. */
export class StopCondition {
  readonly #watched: ReadonlySet<string>;
  #watchedLeft: number;
  #actorsLeft: number;
  #reason: EndReason | undefined;
  #failure: Error | undefined;
  #failedFirst = false;
  #wake: () => void = () => {};
  readonly #listeners = new Set<() => void>();
  readonly #settled: Promise<void>;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => this.end('stopped');

  constructor(options: StopConditionOptions) {
    this.#watched = new Set(options.endWhenDone);
    this.#watchedLeft = options.actorClasses.filter((c) => this.#watched.has(c)).length;
    this.#actorsLeft = options.actorClasses.length;
    this.#settled = new Promise<void>((resolve) => (this.#wake = resolve));
    this.#signal = options.signal;
    if (options.actorClasses.length === 0) this.end('allDone');
    if (this.#signal?.aborted) this.end('stopped');
    else this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Why the run ended, once it has. */
  get reason(): EndReason | undefined {
    return this.#reason;
  }

  /** The first failure, if any (reported even when it came after the end). */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Whether a failure came before any other end (a run that ended first and failed after may still report its figures). */
  get failedFirst(): boolean {
    return this.#failedFirst;
  }

  /** Whether the run has ended or failed. */
  get done(): boolean {
    return this.#reason !== undefined || this.#failure !== undefined;
  }

  /** Resolves (never rejects) once the run has ended or failed. */
  get settled(): Promise<void> {
    return this.#settled;
  }

  /** Calls `listener` at every later end or failure; returns the function that unsubscribes it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** An actor's program returned (`error`: it failed before the run was stopping). */
  actorDone(actorClass: string, error?: Error): void {
    if (error) this.fail(error);
    this.#actorsLeft--;
    if (this.#watched.has(actorClass)) this.#watchedLeft--;
    if (this.#watched.size > 0 && this.#watchedLeft === 0) this.end('endWhenDone');
    else if (this.#actorsLeft === 0) this.end('allDone');
  }

  /** Ends the run for `reason` unless it already ended. */
  end(reason: EndReason): void {
    this.#reason ??= reason;
    this.#notify();
  }

  /** Records a failure (the first one is kept) and ends the wait. */
  fail(error: Error): void {
    if (this.#failure === undefined && this.#reason === undefined) this.#failedFirst = true;
    this.#failure ??= error;
    this.#notify();
  }

  #notify(): void {
    this.#wake();
    for (const listener of [...this.#listeners]) listener();
  }

  /** Stops listening to the signal. */
  dispose(): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}
