/**
 * The one error type of xstorm's stores: an `Error` carrying a xenstore errno
 * name, exactly as it travels in an `ERROR` reply on the wire.
 */

/** Errno names that xenstore daemons put in `ERROR` replies (xs_wire.h), plus oxenstored's `EQUOTA`. */
export const XS_ERRNOS = [
  'EINVAL', 'EACCES', 'EEXIST', 'EISDIR', 'ENOENT', 'ENOMEM', 'ENOSPC', 'EIO',
  'ENOTEMPTY', 'ENOSYS', 'EROFS', 'EBUSY', 'EAGAIN', 'EISCONN', 'E2BIG', 'EPERM',
  'EQUOTA',
] as const;

/** A xenstore errno name. */
export type XsErrno = (typeof XS_ERRNOS)[number];

/** A failed store operation; `code` is the errno name sent to the client. */
export class XsError extends Error {
  /** The xenstore errno name, e.g. `'ENOENT'`. */
  readonly code: XsErrno;

  constructor(code: XsErrno, message?: string) {
    super(message ? `${code}: ${message}` : code);
    this.name = 'XsError';
    this.code = code;
  }
}

/** True when `value` is an {@link XsError}, optionally with the given code. */
export function isXsError(value: unknown, code?: XsErrno): value is XsError {
  return value instanceof XsError && (code === undefined || value.code === code);
}
