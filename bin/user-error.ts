/**
 * The one error class of a user's mistake (a bad flag, a bad file, an
 * `--out` that cannot be written): the CLI prints its message on one line
 * and exits 2, never a stack trace. Internal failures are any other error
 * (exit 1, with the stack).
 *
 * The layers below bin/ cannot import this class (nothing imports bin/), so
 * their own typed input errors — a bad results file or shard spec
 * (`ReportInputError`), a bad cost profile (`CostProfileError`), bad
 * scenario parameters (`ScenarioParamsError`) — are turned into a
 * `UserError` in one place, {@link asUserError}, which bin/cli.ts applies
 * to whatever a command throws.
 */
import { ReportInputError } from '../reports/errors.ts';
import { CostProfileError } from '../runner/cost/schema.ts';
import { ScenarioParamsError } from '../scenarios/params.ts';

/** A user mistake: one line on stderr, exit code 2. */
export class UserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}

/**
 * The {@link UserError} for `error` when it is a user's mistake (a
 * UserError, or a lower layer's input error), else undefined. Messages are
 * folded onto one line.
 */
export function asUserError(error: unknown): UserError | undefined {
  if (error instanceof UserError) return error;
  if (error instanceof CostProfileError) return new UserError(`cost profile: ${error.issues.join('; ')}`, { cause: error });
  if (error instanceof ScenarioParamsError || error instanceof ReportInputError) return new UserError(oneLine(error.message), { cause: error });
  return undefined;
}

/** `text` with its line breaks and runs of blanks folded into single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\s{2,}/g, ' ').trim();
}
