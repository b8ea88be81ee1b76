/**
 * Constants of the xenstore wire protocol (xen/include/public/io/xs_wire.h,
 * FACTS.md §4). The codec, transports and client build on these.
 */

/** Message types (`enum xsd_sockmsg_type`). */
export const XsType = {
  CONTROL: 0,
  DIRECTORY: 1,
  READ: 2,
  GET_PERMS: 3,
  WATCH: 4,
  UNWATCH: 5,
  TRANSACTION_START: 6,
  TRANSACTION_END: 7,
  INTRODUCE: 8,
  RELEASE: 9,
  GET_DOMAIN_PATH: 10,
  WRITE: 11,
  MKDIR: 12,
  RM: 13,
  SET_PERMS: 14,
  WATCH_EVENT: 15,
  ERROR: 16,
  IS_DOMAIN_INTRODUCED: 17,
  RESUME: 18,
  SET_TARGET: 19,
  RESET_WATCHES: 21,
  DIRECTORY_PART: 22,
} as const;

/** A message type number. */
export type XsTypeNumber = (typeof XsType)[keyof typeof XsType];

/** Size of `struct xsd_sockmsg`: four little-endian u32 (type, req_id, tx_id, len). */
export const HEADER_SIZE = 16;

/** Size of each ring of `struct xenstore_domain_interface` (XENSTORE_RING_SIZE). */
export const RING_SIZE = 1024;

/** Largest message payload in bytes (XENSTORE_PAYLOAD_MAX). */
export const XENSTORE_PAYLOAD_MAX = 4096;
