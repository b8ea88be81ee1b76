/**
 * A report covers one or several results files (e.g. two commits, or the real
 * daemons next to xstorm's engines); each gets a short label so chart series
 * and table rows can say where they came from.
 */
import type { ResultsFile } from './schema.ts';

/** One results file in a report, with the label its series carry. */
export interface ReportSource {
  readonly label: string;
  readonly file: ResultsFile;
}

/** The timestamp prefix of generated ids (`20261125-120018-`). */
const ID_TIMESTAMP = /^\d{8}-\d{6}-/;

/**
 * Labels files by what tells them apart, shortest first: the id without its
 * timestamp prefix, the id, the short git commit, else `#1`, `#2`, ... A
 * single file gets its id.
 */
export function labelSources(files: readonly ResultsFile[]): ReportSource[] {
  const distinct = (values: Array<string | null>): boolean => values.every((v) => v !== null && v !== '') && new Set(values).size === values.length;
  const ids = files.map((file) => file.id);
  const shortIds = ids.map((id) => id.replace(ID_TIMESTAMP, ''));
  const commits = files.map((file) => file.meta.gitCommit?.slice(0, 7) ?? null);
  const labels = files.length === 1 ? ids : distinct(shortIds) ? shortIds : distinct(ids) ? ids : distinct(commits) ? (commits as string[]) : files.map((_, i) => `#${i + 1}`);
  return files.map((file, i) => ({ label: labels[i]!, file }));
}
