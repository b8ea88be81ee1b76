/**
 * The compiled-bundle cache (runner/bundle-cache.js): a bundle is the same
 * program as its sources, is reused while they are unchanged, is rebuilt
 * when one changes, and falls back to tsx (null) whenever it cannot help.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundledEntry as bundled } from '../../runner/bundle-cache.js';

/** A throw-away project: main.ts imports part.ts and reports its own import.meta.url. */
function project(): { root: string; cacheDir: string; main: string; part: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'xstorm-bundle-'));
  const main = join(root, 'main.ts');
  const part = join(root, 'part.ts');
  writeFileSync(main, "import { word } from './part.ts';\nconst n: number = 2;\nexport const value = `${word} ${n}`;\nexport const url: string = import.meta.url;\n");
  writeFileSync(part, "export const word: string = 'first';\n");
  return { root, cacheDir: join(root, 'cache'), main, part, done: () => rmSync(root, { recursive: true, force: true }) };
}

test('bundle cache: builds a bundle that runs like the sources, with each module its own import.meta.url', async () => {
  const p = project();
  try {
    const url = await bundled(p.main, { root: p.root, cacheDir: p.cacheDir });
    assert.ok(url !== null && url.startsWith(pathToFileURL(p.cacheDir).href), `bundle url ${url}`);
    const mod = (await import(url)) as { value: string; url: string };
    assert.equal(mod.value, 'first 2');
    assert.equal(mod.url, pathToFileURL(p.main).href);
    const manifest = JSON.parse(readFileSync(join(p.cacheDir, 'main.json'), 'utf8')) as { inputs: Record<string, unknown> };
    assert.deepEqual(Object.keys(manifest.inputs).sort(), ['main.ts', 'part.ts']);
  } finally {
    p.done();
  }
});

test('bundle cache: reuses the bundle while no source changed, rebuilds when one did', async () => {
  const p = project();
  try {
    const opts = { root: p.root, cacheDir: p.cacheDir };
    const first = await bundled(p.main, opts);
    assert.ok(first !== null);
    // Reused, not rebuilt: what the cache holds is what runs.
    writeFileSync(new URL(first), "export const value = 'from the cache';\n");
    assert.equal(await bundled(p.main, opts), first);
    assert.equal(((await import(`${first}?again`)) as { value: string }).value, 'from the cache');
    assert.deepEqual(readdirSync(p.cacheDir).filter((f) => f.endsWith('.mjs')).length, 1);
    writeFileSync(p.part, "export const word: string = 'second';\n");
    const second = await bundled(p.main, opts);
    assert.ok(second !== null && second !== first, 'a changed source gives a new bundle');
    assert.equal(((await import(second)) as { value: string }).value, 'second 2');
    // Same size and content, only a new time: still rebuilt (the check never reads sources).
    const later = new Date(Date.now() + 5000);
    utimesSync(p.part, later, later);
    const manifestBefore = readFileSync(join(p.cacheDir, 'main.json'), 'utf8');
    assert.equal(await bundled(p.main, opts), second, 'same content, same content-named bundle');
    assert.notEqual(readFileSync(join(p.cacheDir, 'main.json'), 'utf8'), manifestBefore, 'the manifest records the new time');
  } finally {
    p.done();
  }
});

test('bundle cache: null (load through tsx) for a broken source, an entry outside the root, or XSTORM_NO_BUNDLE=1', async () => {
  const p = project();
  try {
    const opts = { root: p.root, cacheDir: p.cacheDir };
    assert.equal(await bundled(join(tmpdir(), 'elsewhere.ts'), opts), null);
    process.env['XSTORM_NO_BUNDLE'] = '1';
    try {
      assert.equal(await bundled(p.main, opts), null);
    } finally {
      delete process.env['XSTORM_NO_BUNDLE'];
    }
    writeFileSync(p.part, 'export const word: string = ;\n');
    assert.equal(await bundled(p.main, opts), null);
  } finally {
    p.done();
  }
});
