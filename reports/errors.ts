/**
 * Typed errors of the reports layer. Everything here is a user mistake (a bad
 * file, a bad shard spec, shards that do not belong together, a bad gate
 * config): the CLI turns a {@link ReportInputError} into a one-line message
 * and exit code 2.
 */

/** A user-supplied input the reports layer cannot use. */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

/** A results file that is missing, not JSON, of an unsupported schema version, or invalid. */
export class ResultsFileError extends ReportInputError {
  /** The file (or label) the problem was found in. */
  readonly source: string;
  /** Every problem found, `path: message`, in schema order. */
  readonly problems: readonly string[];

  constructor(source: string, summary: string, problems: readonly string[] = []) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN);
    const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
    super(`${source}: ${summary}${shown.length ? `: ${shown.join('; ')}${more}` : ''}`);
    this.name = 'ResultsFileError';
    this.source = source;
    this.problems = problems;
  }
}

/** How many schema problems an error message lists before "and N more". */
export const MAX_PROBLEMS_SHOWN = 4;
