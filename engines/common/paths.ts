/**
 * Xenstore path rules (FACTS.md §4, xs_wire.h): characters `A-Za-z0-9-/_@`,
 * absolute paths at most 3072 bytes, relative at most 2048, no `//`, no
 * trailing `/` except the root itself.
 */
import { XsError } from './errors.ts';

/** Longest absolute path accepted (XENSTORE_ABS_PATH_MAX). */
export const MAX_ABS_PATH = 3072;
/** Longest relative path accepted (XENSTORE_REL_PATH_MAX). */
export const MAX_REL_PATH = 2048;
/** Largest message payload (XENSTORE_PAYLOAD_MAX); also the largest value. */
export const PAYLOAD_MAX = 4096;

const PATH_CHARS = /^[A-Za-z0-9\-/_@]*$/;

/**
 * Throws `EINVAL` unless `path` is a valid absolute store path.
 * Special watch paths (`@releaseDomain`) are not store paths.
 */
export function validateAbsolutePath(path: string): void {
  if (path.length === 0 || path.charCodeAt(0) !== 47 /* / */) {
    throw new XsError('EINVAL', `path must be absolute: ${JSON.stringify(path.slice(0, 64))}`);
  }
  checkShape(path, MAX_ABS_PATH);
}

/** Throws `EINVAL` unless `path` is a valid relative path (no leading `/`). */
export function validateRelativePath(path: string): void {
  if (path.length === 0 || path.charCodeAt(0) === 47) {
    throw new XsError('EINVAL', `not a relative path: ${JSON.stringify(path.slice(0, 64))}`);
  }
  checkShape(path, MAX_REL_PATH);
}

function checkShape(path: string, max: number): void {
  if (path.length > max) throw new XsError('EINVAL', `path longer than ${max} bytes`);
  if (!PATH_CHARS.test(path)) throw new XsError('EINVAL', 'path has a character outside A-Za-z0-9-/_@');
  if (path.includes('//')) throw new XsError('EINVAL', 'path contains //');
  if (path.length > 1 && path.endsWith('/')) throw new XsError('EINVAL', 'path ends with /');
}

/** The home of a domain: relative paths resolve under it. */
export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

/**
 * Resolves a client-supplied path: absolute paths are validated as they are,
 * relative ones are validated and placed under `/local/domain/<domid>`.
 */
export function resolvePath(domid: number, path: string): string {
  if (path.charCodeAt(0) === 47) {
    validateAbsolutePath(path);
    return path;
  }
  validateRelativePath(path);
  const full = `${domainPath(domid)}/${path}`;
  validateAbsolutePath(full);
  return full;
}

/** Parent of an absolute path (`/` for top-level nodes; `/` has none). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Last component of an absolute path (`''` for the root). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Child path of `parent` named `name`. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Components of an absolute path: `/a/b` → `['a','b']`, `/` → `[]`. */
export function pathSegments(path: string): string[] {
  return path === '/' ? [] : path.slice(1).split('/');
}

/** True when `path` is `ancestor` itself or lies below it. */
export function isPathWithin(path: string, ancestor: string): boolean {
  if (ancestor === '/') return true;
  return path === ancestor || (path.startsWith(ancestor) && path.charCodeAt(ancestor.length) === 47);
}

/** Longest common prefix of two absolute paths, by whole components. */
export function commonPathPrefix(a: string, b: string): string {
  if (a === b) return a;
  const sa = pathSegments(a);
  const sb = pathSegments(b);
  let n = 0;
  while (n < sa.length && n < sb.length && sa[n] === sb[n]) n++;
  return n === 0 ? '/' : `/${sa.slice(0, n).join('/')}`;
}

/** A char that is not one byte (values are byte strings, one char per byte). */
const NOT_A_BYTE = /[^\u0000-\u00ff]/;

/**
 * Throws `E2BIG` when a value cannot fit in one message, `EINVAL` when it
 * holds a char above U+00FF (it is not a byte string: stored as bytes it
 * would come back as another char).
 */
export function validateValue(value: string): void {
  if (value.length > PAYLOAD_MAX) throw new XsError('E2BIG', `value of ${value.length} bytes exceeds ${PAYLOAD_MAX}`);
  if (NOT_A_BYTE.test(value)) throw new XsError('EINVAL', 'value has a char above U+00FF (values are byte strings, one char per byte)');
}
