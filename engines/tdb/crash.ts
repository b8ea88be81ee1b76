/**
 * Test hook for crash-safety tests: `XSTORM_TDB_CRASH=<step>:<n>` makes the
 * process SIGKILL itself the n-th time it reaches the named step (see
 * {@link CrashStep}). Read once at load; when unset the hook costs one
 * comparison per step.
 */

/** Named points inside the engine where a crash test may kill the process. */
export type CrashStep =
  /** An undo-journal entry is written, its data write is not done yet. */
  | 'journal-entry'
  /** A data write into the live file is done, the operation is not finished. */
  | 'live-write'
  /** A transaction's copy is written, not yet opened. */
  | 'copy-done'
  /** A commit passed the generation check, the copy is not yet renamed. */
  | 'commit-before-rename'
  /** The copy is renamed over the live file, the commit is not yet acknowledged. */
  | 'commit-after-rename';

const plan = parsePlan(process.env.XSTORM_TDB_CRASH);
let hits = 0;

function parsePlan(text: string | undefined): { step: string; at: number } | null {
  if (!text) return null;
  const [step, count] = text.split(':');
  const at = Number(count ?? '1');
  if (!step || !Number.isInteger(at) || at < 1) return null;
  return { step, at };
}

/** Kills the process here if the crash plan names this step and count. */
export function crashPoint(step: CrashStep): void {
  if (plan === null || plan.step !== step) return;
  if (++hits === plan.at) process.kill(process.pid, 'SIGKILL');
}
