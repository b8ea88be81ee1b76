/**
 * The compile cache (runner/compile-cache.js): a compiled twin runs like
 * its source, is reused while the sources are unchanged, is recompiled when
 * one changes, and the cache answers null (load through tsx) whenever it
 * cannot help.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledEntry } from '../../runner/compile-cache.js';

// These tests are about the cache itself: on even when the suite runs with it off.
delete process.env['XSTORM_NO_COMPILE_CACHE'];

/** A throw-away project: src/main.ts imports src/part.ts and reports its own import.meta.url. */
function project(): { opts: { root: string; cacheDir: string; sourceDirs: string[] }; main: string; part: string; twin: (rel: string) => string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'xstorm-compile-'));
  mkdirSync(join(root, 'src'));
  const main = join(root, 'src', 'main.ts');
  const part = join(root, 'src', 'part.ts');
  writeFileSync(main, "import { word } from './part.ts';\nconst n: number = 2;\nexport const value = `${word} ${n}`;\nexport const url: string = import.meta.url;\nexport const worker = new URL('./part.ts', import.meta.url).href;\n");
  writeFileSync(part, "export const word: string = 'first';\n");
  const cacheDir = join(root, 'cache');
  return {
    opts: { root, cacheDir, sourceDirs: ['src'] },
    main,
    part,
    twin: (rel) => join(cacheDir, 'src', rel),
    done: () => rmSync(root, { recursive: true, force: true }),
  };
}

test('compile cache: a twin runs like its source; import.meta.url and URLs built on it name the sources', async () => {
  const p = project();
  try {
    const url = await compiledEntry(p.main, p.opts);
    assert.equal(url, pathToFileURL(p.twin('src/main.js')).href);
    const mod = (await import(url!)) as { value: string; url: string; worker: string };
    assert.equal(mod.value, 'first 2');
    assert.equal(mod.url, pathToFileURL(p.main).href);
    assert.equal(mod.worker, pathToFileURL(p.part).href);
    const manifest = JSON.parse(readFileSync(join(p.opts.cacheDir, 'manifest.json'), 'utf8')) as { sources: Record<string, unknown> };
    assert.deepEqual(Object.keys(manifest.sources).sort(), ['src/main.ts', 'src/part.ts']);
  } finally {
    p.done();
  }
});

test('compile cache: reuses twins while no source changed, recompiles one that did, removes a deleted one', async () => {
  const p = project();
  try {
    const first = await compiledEntry(p.main, p.opts);
    const partTwin = () => readFileSync(p.twin('src/part.js'), 'utf8');
    assert.match(partTwin(), /word = "first"/);
    // Reused, not recompiled: what the cache holds is what runs.
    writeFileSync(p.twin('src/part.js'), "export const word = 'from the cache';\n");
    assert.equal(await compiledEntry(p.main, p.opts), first);
    assert.match(partTwin(), /from the cache/);
    writeFileSync(p.part, "export const word: string = 'second';\n");
    assert.equal(await compiledEntry(p.main, p.opts), first);
    assert.match(partTwin(), /word = "second"/);
    // Same content, a new time only: compiled again (the check never reads sources).
    writeFileSync(p.twin('src/part.js'), "export const word = 'stale';\n");
    const later = new Date(Date.now() + 5000);
    utimesSync(p.part, later, later);
    await compiledEntry(p.main, p.opts);
    assert.match(partTwin(), /word = "second"/);
    rmSync(p.part);
    writeFileSync(p.main, "export const value = 'alone';\n");
    await compiledEntry(p.main, p.opts);
    assert.equal(existsSync(p.twin('src/part.js')), false, 'the twin of a deleted source is removed');
  } finally {
    p.done();
  }
});

test('compile cache: null (load through tsx) for a broken source, an entry outside the compiled folders, or XSTORM_NO_COMPILE_CACHE=1', async () => {
  const p = project();
  try {
    assert.equal(await compiledEntry(join(p.opts.root, 'elsewhere.ts'), p.opts), null);
    assert.equal(await compiledEntry(join(tmpdir(), 'elsewhere.ts'), p.opts), null);
    process.env['XSTORM_NO_COMPILE_CACHE'] = '1';
    try {
      assert.equal(await compiledEntry(p.main, p.opts), null);
    } finally {
      delete process.env['XSTORM_NO_COMPILE_CACHE'];
    }
    writeFileSync(p.part, 'export const word: string = ;\n');
    assert.equal(await compiledEntry(p.main, p.opts), null);
    // Fixed again: back to the compiled twin.
    writeFileSync(p.part, "export const word: string = 'fixed';\n");
    const url = await compiledEntry(p.main, p.opts);
    assert.equal(((await import(`${url}?fixed`)) as { value: string }).value, 'fixed 2');
  } finally {
    p.done();
  }
});
