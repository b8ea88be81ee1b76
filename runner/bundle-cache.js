// Compiled-bundle cache: how the CLI and its worker threads start without
// paying tsx on every module.
//
// xstorm runs from its TypeScript sources with no build step. Loading them
// through tsx's loader costs ~0.5 s per process (Node 20 runs loader hooks
// on a separate thread, so every module resolution and load, our ~150
// modules and every dependency's, is a round trip to it). So the first
// start after a change compiles an entry point with esbuild into one ES
// module (dependencies stay external and load as usual) and caches it in
// node_modules/.cache/xstorm/; later starts check that no source changed
// (one stat per source, ~2 ms) and import the bundle directly.
//
// The bundle is the same code: esbuild strips types as tsx does, and each
// module's `import.meta.url` is replaced by its source file's URL, so files
// found relative to a module (profiles, worker scripts, the repository
// root) are found as before. A stale or unreadable cache, a failed build, or
// XSTORM_NO_BUNDLE=1 falls back to tsx: the cache can make a start slower
// once, never wrong.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (this file is runner/bundle-cache.js). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where bundles and their manifests are kept: inside the repository, so
 * that a bundle's imports of packages resolve to its node_modules.
 */
export const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'xstorm');

/** Files outside the module graph that change how it compiles. */
const BUILD_INPUTS = ['package.json', 'tsconfig.json', 'runner/bundle-cache.js'];

/** A bundle older than this that no manifest names is deleted (ms). */
const STALE_BUNDLE_MS = 10 * 60 * 1000;

/**
 * @typedef {object} CacheOptions
 * @property {string} [root] Only .ts entries under it are bundled, and only its .ts files into a bundle (default: the repository).
 * @property {string} [cacheDir] Where bundles are kept (default {@link CACHE_DIR}); package imports resolve from there.
 */

/**
 * The file: URL of an up-to-date bundle of `entry` (a .ts file path or
 * file: URL inside the repository), building it when it is missing or
 * stale; `null` when the caller should load `entry` through tsx instead.
 *
 * @param {string} entry
 * @param {CacheOptions} [options]
 * @returns {Promise<string | null>}
 */
export async function bundledEntry(entry, options = {}) {
  if (process.env.XSTORM_NO_BUNDLE === '1') return null;
  const cache = { root: options.root ?? ROOT, dir: options.cacheDir ?? CACHE_DIR };
  try {
    const file = entry.startsWith('file:') ? fileURLToPath(entry) : resolve(entry);
    const rel = relative(cache.root, file);
    if (rel.startsWith('..') || !rel.endsWith('.ts')) return null;
    const name = rel.replaceAll('/', '+').replace(/\.ts$/, '');
    const fresh = freshBundle(cache, name);
    if (fresh !== null) return pathToFileURL(fresh).href;
    const built = await build(cache, file, name);
    return built === null ? null : pathToFileURL(built).href;
  } catch (error) {
    debug(`bundle cache: ${error?.stack ?? error}`);
    return null;
  }
}

/**
 * Imports `entry`'s bundle, or `entry` itself through tsx when there is
 * none (the tsx loader is registered only then). `bundle: false` always
 * takes tsx: for a program that imports further .ts modules at run time (a
 * plug-in scenario), which must share one module graph with it (one
 * `XsError` class for `instanceof`), not get copies beside a bundle's.
 *
 * @param {string} entry
 * @param {{ bundle?: boolean }} [options]
 * @returns {Promise<unknown>}
 */
export async function importEntry(entry, options = {}) {
  const bundle = options.bundle === false ? null : await bundledEntry(entry);
  if (bundle !== null) {
    // A bundle's stack traces name the TypeScript sources (its source map).
    process.setSourceMapsEnabled(true);
    try {
      return await import(bundle);
    } catch (error) {
      // Only a bundle that vanished (a concurrent rebuild's clean-up) falls back: any
      // other error is the program's own and must surface as is.
      if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(bundle.slice(7))) throw error;
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(entry.startsWith('file:') ? entry : pathToFileURL(resolve(entry)).href);
}

/** The manifest's bundle path when every input is unchanged, else null. */
function freshBundle(cache, name) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(cache.dir, `${name}.json`), 'utf8'));
  } catch {
    return null;
  }
  if (manifest.node !== process.version || typeof manifest.bundle !== 'string') return null;
  for (const [path, [mtimeMs, size]] of Object.entries(manifest.inputs ?? {})) {
    let st;
    try {
      st = statSync(join(cache.root, path));
    } catch {
      return null;
    }
    if (st.mtimeMs !== mtimeMs || st.size !== size) return null;
  }
  const bundle = join(cache.dir, manifest.bundle);
  try {
    statSync(bundle);
  } catch {
    return null;
  }
  return bundle;
}

/**
 * Compiles `file` into a content-named bundle and then points the manifest
 * at it (each step a rename, so concurrent starts never read half a file).
 * Each input's size and time are taken before it is read: an edit during
 * the build leaves a manifest that no longer matches, so the next start
 * builds again.
 */
async function build(cache, file, name) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    debug(`bundle cache: esbuild unavailable (${error?.message})`);
    return null;
  }
  const inputs = {};
  const record = (path, st) => {
    inputs[relative(cache.root, path)] = [st.mtimeMs, st.size];
  };
  for (const p of BUILD_INPUTS) {
    const path = join(cache.root, p);
    if (existsSync(path)) record(path, statSync(path));
  }
  const result = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    sourcemap: 'external',
    outfile: join(cache.dir, `${name}.mjs`),
    logLevel: 'silent',
    plugins: [{
      name: 'source-import-meta-url',
      setup(b) {
        b.onLoad({ filter: /\.ts$/ }, async (args) => {
          if (relative(cache.root, args.path).startsWith('..')) return undefined;
          record(args.path, await stat(args.path));
          const source = await readFile(args.path, 'utf8');
          const url = JSON.stringify(pathToFileURL(args.path).href);
          return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
        });
      },
    }],
  });
  const code = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
  if (code === undefined) return null;
  const hash = createHash('sha256').update(code.contents).digest('hex').slice(0, 16);
  const bundleName = `${name}.${hash}.mjs`;
  const bundle = join(cache.dir, bundleName);
  mkdirSync(cache.dir, { recursive: true });
  const text = code.text.replace(/\/\/# sourceMappingURL=.*\s*$/, `//# sourceMappingURL=${bundleName}.map\n`);
  if (map !== undefined) writeAtomically(`${bundle}.map`, map.contents);
  writeAtomically(bundle, text);
  writeAtomically(join(cache.dir, `${name}.json`), JSON.stringify({ node: process.version, bundle: bundleName, inputs }));
  removeStale(cache.dir, name, bundleName);
  return bundle;
}

function writeAtomically(path, data) {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Deletes this entry's older bundles (kept a while: another process may be about to import one). */
function removeStale(dir, name, keep) {
  const now = Date.now();
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(`${name}.`) || f.startsWith(keep) || f === `${name}.json`) continue;
    const path = join(dir, f);
    try {
      if (now - statSync(path).mtimeMs > STALE_BUNDLE_MS) unlinkSync(path);
    } catch {
      // Already removed by another process.
    }
  }
}

function debug(text) {
  if (process.env.XSTORM_DEBUG_BUNDLE === '1') process.stderr.write(`${text}\n`);
}
