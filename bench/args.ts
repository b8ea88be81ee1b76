/**
 * Command-line parsing shared by the bench/ scripts: node's parseArgs, plus
 * `--help` (prints the script's usage) and a one-line message with exit
 * code 2 for a bad flag instead of a stack trace.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `process.argv` strictly against `options`; `usage` is printed for `--help` and after an error. */
export function parseBenchArgs<O extends Options>(options: O, usage: string) {
  try {
    const { values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true });
    if ((values as Record<string, unknown>).help) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    return values as ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
}

/** Parses a positive number flag, exiting 2 with a clear message otherwise. */
export function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${name} must be a positive number, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return value;
}
