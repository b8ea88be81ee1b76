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

/**
 * Labels files by what tells them apart: the id when ids differ, else the
 * short git commit when commits differ, else `#1`, `#2`, ... A single file
 * gets its id.
 */
export function labelSources(files: readonly ResultsFile[]): ReportSource[] {
  const distinct = (values: Array<string | null>): boolean => new Set(values).size === values.length;
  const ids = files.map((file) => file.id);
  const commits = files.map((file) => file.meta.gitCommit?.slice(0, 7) ?? null);
  const labels = files.length === 1 || distinct(ids) ? ids : distinct(commits) && commits.every((c) => c !== null) ? (commits as string[]) : files.map((_, i) => `#${i + 1}`);
  return files.map((file, i) => ({ label: labels[i]!, file }));
}
