/**
 * SIGINT/SIGTERM for the CLI. Long commands that can stop cleanly (`run`,
 * `sweep`) take the first signal as "stop now and write what you have"
 * ({@link stopOnSignals}: an AbortSignal the drivers honour); a second
 * signal exits at once. Commands that cannot stop half-way (`bench`,
 * `calibrate`) exit at the first signal ({@link exitOnSignals}). Either
 * way the process exits through `process.exit`, so the engines' scratch
 * directories are removed (runner/scratch-dir.ts), which dying by the
 * signal's default action would skip.
 */

/** The exit code of a process ended by `signal` (128 + its number), as shells report it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** What {@link stopOnSignals} returns. */
export interface SignalStop {
  /** Aborted at the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  received(): NodeJS.Signals | undefined;
  /** Removes the handlers (the signals' default action returns). */
  dispose(): void;
}

/** Options of {@link stopOnSignals}. */
export interface StopOnSignalsOptions {
  /** What the first signal does, for the message (e.g. `stopping the run; partial results will be written`). */
  readonly stopping: string;
  readonly stream?: NodeJS.WritableStream;
  /** Default process.exit (tests inject). */
  readonly exit?: (code: number) => void;
}

/**
 * First SIGINT/SIGTERM: aborts the returned signal and says so on stderr;
 * a second: exits at once (130 or 143).
 */
export function stopOnSignals(options: StopOnSignalsOptions): SignalStop {
  const stream = options.stream ?? process.stderr;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = signal;
      stream.write(`\nxstorm: ${signal}: ${options.stopping} (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again exits at once)\n`);
      controller.abort(new Error(signal));
      return;
    }
    stream.write(`xstorm: ${signal} again: exiting now\n`);
    exit(signalExitCode(first));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    signal: controller.signal,
    received: () => first,
    dispose() {
      for (const s of SIGNALS) process.off(s, onSignal);
    },
  };
}

/**
 * First SIGINT/SIGTERM: exits at once (130 or 143) through process.exit,
 * after saying so. Returns the function that removes the handlers.
 */
export function exitOnSignals(what: string, stream: NodeJS.WritableStream = process.stderr): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    stream.write(`\nxstorm: ${signal}: ${what} stopped, nothing written\n`);
    process.exit(signalExitCode(signal));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return () => {
    for (const s of SIGNALS) process.off(s, onSignal);
  };
}
