/**
 * Progress of long work on stderr, the same for `run`, `sweep`, `bench` and
 * `calibrate`: on a terminal a cli-progress bar with elapsed time and ETA;
 * otherwise (piped, CI logs) a plain line every few seconds with the same
 * figures, so a log never goes silent for minutes and a CI job's
 * no-output timeout never fires on a healthy run.
 *
 * The periodic lines are written here rather than with cli-progress's
 * `noTTYOutput` mode because that mode repeats the bar's drawing on a timer
 * only, with no line when work starts and no way to say "done".
 */
import cliProgress from 'cli-progress';

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  /** Names the work in every line, e.g. `bench`, `sweep`. */
  readonly label: string;
  /** Default process.stderr. */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Draw a bar (default: whether the stream is a terminal). */
  readonly tty?: boolean;
  /** Interval of the plain lines (ms; default {@link PROGRESS_LINE_INTERVAL_MS}). */
  readonly intervalMs?: number;
  /** Clock in ms (default Date.now). */
  readonly now?: () => number;
}

/** Progress being shown; `update` as often as you like. */
export interface Progress {
  /** `fraction` of the work is done (0..1); `note` says what is going on. */
  update(fraction: number, note?: string): void;
  /** Ends the display; `done` prints a last line saying the work finished. */
  stop(done?: boolean): void;
}

/** How often a plain progress line is written when stderr is not a terminal. */
export const PROGRESS_LINE_INTERVAL_MS = 5000;

/** `m:ss`, or `h:mm:ss` from an hour. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Time left if the rest goes at the pace so far; null while too little is done to tell. */
export function estimateRemainingMs(elapsedMs: number, fraction: number): number | null {
  if (!(fraction >= 0.005) || elapsedMs <= 0) return null;
  if (fraction >= 1) return 0;
  return (elapsedMs * (1 - fraction)) / fraction;
}

/** One plain progress line: `xstorm bench: 34% | 0:51 elapsed | ETA 1:39 | note`. */
export function progressLine(label: string, elapsedMs: number, fraction: number, note: string): string {
  const eta = estimateRemainingMs(elapsedMs, fraction);
  const percent = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
  return `xstorm ${label}: ${percent}% | ${formatDuration(elapsedMs)} elapsed | ETA ${eta === null ? '?' : formatDuration(eta)}${note ? ` | ${note}` : ''}`;
}

/** Starts showing progress (see the module comment). */
export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? stream.isTTY === true;
  return tty ? barProgress(options.label, stream) : lineProgress(options, stream);
}

function barProgress(label: string, stream: NodeJS.WritableStream): Progress {
  const steps = 1000;
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% | {duration_formatted} elapsed | ETA {eta_formatted} | {note}`,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
    etaAsynchronousUpdate: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(steps, 0, { note: '' });
  return {
    update(fraction, note = '') {
      bar.update(Math.round(Math.min(1, Math.max(0, fraction)) * steps), { note: note.slice(0, 80) });
    },
    stop() {
      bar.stop();
    },
  };
}

function lineProgress(options: ProgressOptions, stream: NodeJS.WritableStream): Progress {
  const now = options.now ?? Date.now;
  const startedAt = now();
  let fraction = 0;
  let note = '';
  let updated = false;
  let stopped = false;
  const write = () => stream.write(`${progressLine(options.label, now() - startedAt, fraction, note)}\n`);
  const timer = setInterval(write, options.intervalMs ?? PROGRESS_LINE_INTERVAL_MS);
  timer.unref();
  return {
    update(f, n = '') {
      fraction = Math.min(1, Math.max(0, f));
      note = n;
      // The first update gets a line at once: the work has visibly started.
      if (!updated) {
        updated = true;
        write();
      }
    },
    stop(done = false) {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (done) stream.write(`xstorm ${options.label}: done in ${formatDuration(now() - startedAt)}\n`);
    },
  };
}
