// Compile cache: how the CLI and its worker threads start without paying
// tsx on every module.
//
// xstorm runs from its TypeScript sources with no build step. Loading them
// through tsx's loader costs ~0.5 s per process (Node 20 runs loader hooks
// on a separate thread, so every module resolution and load, our ~170
// modules and every dependency's, is a round trip to it). So a start finds
// the sources' compiled twins in node_modules/.cache/xstorm/src/ (one .js
// per .ts, the same tree), compiles those whose source changed (esbuild,
// the type stripping tsx itself uses, ~0.3 s for all of them), and imports
// them natively. Checking costs one stat per source (2-7 ms in all).
//
// Module by module, not one bundle: with one bundle (every module in one
// scope, top-level constants turned into variables) `xstorm serve`
// promoted 5x more bytes out of V8's young generation and served ~11 %
// fewer requests per second (xsload own K=32, 8 alternating pairs);
// compiled module by module it promotes no more than under tsx and serves
// as fast.
//
// Each module's `import.meta.url` becomes its source file's URL, so files
// found relative to a module (profiles, worker scripts, the repository
// root) are found as before. A source outside the compiled folders, a
// failed compile, a soft limit of open files under 512, or
// XSTORM_NO_COMPILE_CACHE=1 loads through tsx instead: the cache can make
// one start slower, never wrong.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (this file is runner/compile-cache.js). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where compiled modules and the manifest are kept: inside the
 * repository, so that their imports of packages resolve to its
 * node_modules.
 */
export const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'xstorm');

/** The folders compiled: the program (tests and bench scripts run through tsx). */
export const SOURCE_DIRS = ['bin', 'runner', 'engines', 'daemon', 'protocol', 'reports', 'scenarios'];

/** Files that change how every module compiles. */
const BUILD_INPUTS = ['package.json', 'tsconfig.json', 'runner/compile-cache.js'];

/**
 * @typedef {object} CacheOptions
 * @property {string} [root] The project whose SOURCE_DIRS are compiled (default: the repository).
 * @property {string} [cacheDir] Where compiled modules are kept (default {@link CACHE_DIR}); package imports resolve from there.
 * @property {readonly string[]} [sourceDirs] Folders of `root` compiled (default {@link SOURCE_DIRS}).
 */

/**
 * The file: URL of `entry`'s compiled twin (a .ts file path or file: URL
 * under one of the compiled folders), compiling whatever changed since the
 * last start; `null` when the caller should load `entry` through tsx.
 *
 * @param {string} entry
 * @param {CacheOptions} [options]
 * @returns {Promise<string | null>}
 */
export async function compiledEntry(entry, options = {}) {
  if (process.env.XSTORM_NO_COMPILE_CACHE === '1' || fewDescriptors()) return null;
  const cache = {
    root: options.root ?? ROOT,
    dir: options.cacheDir ?? CACHE_DIR,
    sourceDirs: options.sourceDirs ?? SOURCE_DIRS,
  };
  try {
    const file = entry.startsWith('file:') ? fileURLToPath(entry) : resolve(entry);
    const rel = relative(cache.root, file);
    if (!rel.endsWith('.ts') || !cache.sourceDirs.some((d) => rel.startsWith(d + sep))) return null;
    if (!(await upToDate(cache))) return null;
    return pathToFileURL(join(cache.dir, 'src', rel.replace(/\.ts$/, '.js'))).href;
  } catch (error) {
    debug(`compile cache: ${error?.stack ?? error}`);
    return null;
  }
}

/**
 * Imports `entry`'s compiled twin, or `entry` itself through tsx when
 * there is none (the tsx loader is registered only then). `compiled: false`
 * always takes tsx: for a program that imports further .ts modules at run
 * time (a plug-in scenario), which must share one module graph with it (one
 * `XsError` class for `instanceof`), not get copies beside compiled ones.
 *
 * @param {string} entry
 * @param {{ compiled?: boolean }} [options]
 * @returns {Promise<unknown>}
 */
export async function importEntry(entry, options = {}) {
  const compiled = options.compiled === false ? null : await compiledEntry(entry);
  if (compiled !== null) {
    // Stack traces name the TypeScript sources (each module's source map).
    process.setSourceMapsEnabled(true);
    return import(compiled);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(entry.startsWith('file:') ? entry : pathToFileURL(resolve(entry)).href);
}

/** Below this soft limit of open files, modules load through tsx. */
const MIN_DESCRIPTORS = 512;

/**
 * Fewer open files allowed than a native load needs. Node opens every
 * module of a graph at once (~150 descriptors for the CLI with its
 * packages, more while worker threads start beside it) and reports running
 * out as a missing package; the loader thread of tsx takes them a few at a
 * time (`xstorm serve` under `ulimit -n 128` runs through it).
 */
function fewDescriptors() {
  let limits;
  try {
    limits = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return false; // not Linux: no way to tell, and limits are rarely that low
  }
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
  return soft !== undefined && soft !== 'unlimited' && Number(soft) < MIN_DESCRIPTORS;
}

/** Size and time of a file, as recorded in the manifest. */
function stamp(path) {
  const st = statSync(path);
  return [st.mtimeMs, st.size];
}

/** Every .ts source under the compiled folders, relative to the root, with its stamp. */
function scanSources(cache) {
  /** @type {Map<string, [number, number]>} */
  const found = new Map();
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(join(cache.root, dir), { withFileTypes: true });
    } catch {
      return; // a folder this project does not have
    }
    for (const e of entries) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) found.set(rel, stamp(join(cache.root, rel)));
    }
  };
  for (const d of cache.sourceDirs) walk(d);
  return found;
}

/**
 * Brings the compiled tree up to date: compiles new and changed sources,
 * removes the twins of deleted ones, then writes the manifest. Each file is
 * written by a rename, so a concurrent start never reads half of one; a
 * source's stamp is taken before it is read, so an edit during the compile
 * leaves a manifest that no longer matches and the next start compiles it
 * again. False when something failed to compile.
 */
async function upToDate(cache) {
  const manifestPath = join(cache.dir, 'manifest.json');
  let manifest = null;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    // None yet, or unreadable: compile everything.
  }
  const build = {};
  for (const p of BUILD_INPUTS) {
    try {
      build[p] = stamp(join(cache.root, p));
    } catch {
      // Not in this project.
    }
  }
  const sameBuild = manifest !== null && manifest.node === process.version && sameStamps(manifest.build, build);
  const old = sameBuild ? manifest.sources : {};
  const sources = scanSources(cache);
  const changed = [...sources].filter(([rel, s]) => !sameStamp(old[rel], s)).map(([rel]) => rel);
  const deleted = Object.keys(old).filter((rel) => !sources.has(rel));
  if (sameBuild && changed.length === 0 && deleted.length === 0) return true;

  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    debug(`compile cache: esbuild unavailable (${error?.message})`);
    return false;
  }
  const tsconfigRaw = readTsconfig(cache.root);
  const results = await Promise.allSettled(changed.map((rel) => compileOne(esbuild, cache, rel, tsconfigRaw)));
  const failed = results.filter((r) => r.status === 'rejected');
  for (const f of failed) debug(`compile cache: ${f.reason?.message ?? f.reason}`);
  for (const rel of deleted) {
    const twin = join(cache.dir, 'src', rel.replace(/\.ts$/, '.js'));
    rmSync(twin, { force: true });
    rmSync(`${twin}.map`, { force: true });
  }
  if (failed.length > 0) return false;
  // Node takes a .js file's module kind from the nearest package.json, and
  // stops looking at node_modules: the compiled tree says it is ES modules.
  mkdirSync(join(cache.dir, 'src'), { recursive: true });
  writeAtomically(join(cache.dir, 'src', 'package.json'), '{ "type": "module" }\n');
  const entries = Object.fromEntries(sources);
  writeAtomically(manifestPath, JSON.stringify({ node: process.version, build, sources: entries }));
  return true;
}

function readTsconfig(root) {
  try {
    return readFileSync(join(root, 'tsconfig.json'), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * One source to its twin: types stripped, `import.meta.url` made the
 * source's URL, relative `.ts` specifiers of static and literal dynamic
 * imports made `.js` (those of `new URL(..., import.meta.url)` still name
 * the sources, which worker-bootstrap.js maps back here).
 */
async function compileOne(esbuild, cache, rel, tsconfigRaw) {
  const file = join(cache.root, rel);
  const source = readFileSync(file, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(file).href));
  const twin = join(cache.dir, 'src', rel.replace(/\.ts$/, '.js'));
  const out = await esbuild.transform(source, {
    loader: 'ts',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcefile: file,
    sourcemap: 'external',
    ...(tsconfigRaw === undefined ? {} : { tsconfigRaw }),
  });
  const code = out.code.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"'\n]*?)\.ts\2/g,
    '$1$2$3.js$2',
  );
  mkdirSync(dirname(twin), { recursive: true });
  writeAtomically(`${twin}.map`, out.map);
  writeAtomically(twin, `${code}//# sourceMappingURL=${basename(twin)}.map\n`);
}

function sameStamp(a, b) {
  return Array.isArray(a) && a[0] === b[0] && a[1] === b[1];
}

function sameStamps(a, b) {
  if (a === null || typeof a !== 'object') return false;
  const keys = Object.keys(b);
  return keys.length === Object.keys(a).length && keys.every((k) => sameStamp(a[k], b[k]));
}

function writeAtomically(path, data) {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function debug(text) {
  if (process.env.XSTORM_DEBUG_COMPILE_CACHE === '1') process.stderr.write(`${text}\n`);
}
