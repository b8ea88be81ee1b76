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

/**
 * A failed store operation; `code` is the errno name sent to the client.
 * It is an answer, not a bug, so it carries no stack trace: capturing one
 * cost about 2 µs per error, a tenth of a simulated `tdb` run (its
 * transactions mostly end in EAGAIN). `stack` holds the message only.
 */
export class XsError extends Error {
  /** The xenstore errno name, e.g. `'ENOENT'`. */
  readonly code: XsErrno;

  constructor(code: XsErrno, message?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ? `${code}: ${message}` : code);
    Error.stackTraceLimit = limit;
    this.name = 'XsError';
    this.code = code;
  }
}

/** True when `value` is an {@link XsError}, optionally with the given code. */
export function isXsError(value: unknown, code?: XsErrno): value is XsError {
  return value instanceof XsError && (code === undefined || value.code === code);
}
