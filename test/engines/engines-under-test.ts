/**
 * Which engines the engine test suite runs against, and small helpers shared
 * by its files. Every kind of ENGINE_KINDS whose factory does not throw
 * ENOSYS is tested, so an engine joins the suite the moment it lands;
 * engines-under-test.test.ts fails if any kind is missing (an engine that
 * silently drops out).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_KINDS, createEngine, isXsError } from '../../engines/index.ts';
import type { Engine, EngineKind, EngineOptions, XsErrno } from '../../engines/index.ts';

function implemented(kind: EngineKind): boolean {
  const dir = mkdtempSync(join(tmpdir(), `xstorm-probe-${kind}-`));
  try {
    createEngine(kind, { dir }).close();
    return true;
  } catch (err) {
    if (isXsError(err, 'ENOSYS')) return false;
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The implemented engine kinds, in ENGINE_KINDS order. */
export const ENGINES_UNDER_TEST: readonly EngineKind[] = ENGINE_KINDS.filter(implemented);

/** The 2009 engines whose conflict answers the suite derives from their algorithms. */
export const ENGINES_2009: readonly EngineKind[] = ENGINES_UNDER_TEST.filter((k) => k === 'tdb' || k === 'trie');

/** Creates an engine with a fresh temp dir, runs `fn`, closes it and removes the dir. */
export function withEngine<T>(kind: EngineKind, fn: (e: Engine) => T, options: Omit<EngineOptions, 'dir'> = {}): T {
  const dir = mkdtempSync(join(tmpdir(), `xstorm-${kind}-`));
  const engine = createEngine(kind, { ...options, dir });
  try {
    return fn(engine);
  } finally {
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` and returns the errno of the XsError it threw, or 'OK'. Other errors propagate. */
export function outcome(fn: () => unknown): XsErrno | 'OK' {
  try {
    fn();
    return 'OK';
  } catch (err) {
    if (isXsError(err)) return err.code;
    throw err;
  }
}

/** Asserts that `fn` throws an XsError with `code`. */
export function throwsXs(fn: () => unknown, code: XsErrno, message?: string): void {
  assert.throws(fn, (err: unknown) => isXsError(err) && err.code === code, message ?? `expected ${code}`);
}
