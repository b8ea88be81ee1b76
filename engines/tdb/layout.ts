/**
 * On-disk layout of the `tdb` engine's database file, modelled on the TDB
 * file the 2009 C xenstored kept in /var/lib/xenstored/tdb (see README.md):
 *
 * ```
 * 0      header (64 bytes): magic, version, hash size, free-list head,
 *        live record count, free record count, data end
 * 64     hash buckets: HASH_SIZE little-endian u32 offsets (0 = empty chain)
 * DATA   records, each RECORD_HEADER bytes then `capacity` body bytes:
 *          magic, next (chain or free-list link), capacity, key length,
 *          data length, full 32-bit hash; body = key (the path) + node data
 * ```
 *
 * Node data (xenstored's `struct node` as written by write_node): three u32
 * lengths (permissions text, value, children), then the permissions in wire
 * text form (each entry NUL-terminated), the value bytes (latin1) and the
 * child names (each NUL-terminated). All integers are little-endian u32.
 */

/** First 8 bytes of a store file. */
export const FILE_MAGIC = Buffer.from('XSTDB\n\0\0', 'latin1');
/** Layout version written in the header. */
export const FILE_VERSION = 1;
/** Hash buckets, as in xenstored's `tdb_open(..., 7919, ...)`. */
export const HASH_SIZE = 7919;

/** Header field offsets. */
export const HDR = {
  version: 8,
  hashSize: 12,
  freeHead: 16,
  recordCount: 20,
  freeCount: 24,
  dataEnd: 28,
} as const;
/** Size of the file header. */
export const HEADER_SIZE = 64;
/** Offset of bucket `b`'s chain head pointer. */
export function bucketOffset(bucket: number): number {
  return HEADER_SIZE + bucket * 4;
}
/** First record offset (after the buckets, 8-aligned). */
export const DATA_START = align(HEADER_SIZE + HASH_SIZE * 4, 8);

/** Record magics (TDB uses a magic per state; the values are ours). */
export const REC_LIVE = 0x58535244; // 'XSRD'
export const REC_FREE = 0x46524545; // 'FREE'

/** Record header fields (byte offsets inside the header). */
export const REC = {
  magic: 0,
  next: 4,
  capacity: 8,
  keyLen: 12,
  dataLen: 16,
  hash: 20,
} as const;
/** Size of a record header. */
export const RECORD_HEADER = 24;
/** Smallest body worth splitting off a free record. */
export const MIN_SPLIT_BODY = 32;

/** Rounds `n` up to a multiple of `a` (a power of two). */
export function align(n: number, a: number): number {
  return (n + a - 1) & ~(a - 1);
}

/**
 * 32-bit hash of a key: the gdbm-style multiplicative hash TDB uses by
 * default (seeded by the key length, each byte shifted by a rotating amount).
 */
export function hashKey(key: Buffer): number {
  let value = Math.imul(0x238f13af, key.length) >>> 0;
  for (let i = 0; i < key.length; i++) {
    value = (value + (key[i]! << ((i * 5) % 24))) >>> 0;
  }
  return (Math.imul(1103515243, value) + 12345) >>> 0;
}

/** {@link hashKey} of the latin1 bytes of `key`, without building them. */
export function hashPath(key: string): number {
  let value = Math.imul(0x238f13af, key.length) >>> 0;
  for (let i = 0; i < key.length; i++) {
    value = (value + (key.charCodeAt(i) << ((i * 5) % 24))) >>> 0;
  }
  return (Math.imul(1103515243, value) + 12345) >>> 0;
}

/** A node as stored in its record. */
export interface NodeData {
  /** Permissions in wire text form, owner first. */
  perms: string[];
  /** Value, one char per byte. */
  value: string;
  /** Child names in insertion order. */
  children: string[];
}

/** Serialises a node's data part (everything after the key). */
export function encodeNode(node: NodeData): Buffer {
  const permsText = node.perms.length ? `${node.perms.join('\0')}\0` : '';
  const childText = node.children.length ? `${node.children.join('\0')}\0` : '';
  const permsLen = permsText.length;
  const valueLen = node.value.length;
  const childLen = childText.length;
  const buf = Buffer.allocUnsafe(12 + permsLen + valueLen + childLen);
  buf.writeUInt32LE(permsLen, 0);
  buf.writeUInt32LE(valueLen, 4);
  buf.writeUInt32LE(childLen, 8);
  let off = 12;
  off += buf.write(permsText, off, 'latin1');
  off += buf.write(node.value, off, 'latin1');
  buf.write(childText, off, 'latin1');
  return buf;
}

/** Parses a node's data part; throws on a malformed blob. */
export function decodeNode(buf: Buffer, start: number, length: number): NodeData {
  if (length < 12) throw new Error(`node data too short (${length} bytes)`);
  const permsLen = buf.readUInt32LE(start);
  const valueLen = buf.readUInt32LE(start + 4);
  const childLen = buf.readUInt32LE(start + 8);
  if (12 + permsLen + valueLen + childLen !== length) throw new Error('node data lengths disagree');
  let off = start + 12;
  const permsText = buf.toString('latin1', off, off + permsLen);
  off += permsLen;
  const value = buf.toString('latin1', off, off + valueLen);
  off += valueLen;
  const childText = buf.toString('latin1', off, off + childLen);
  return {
    perms: permsLen ? permsText.slice(0, -1).split('\0') : [],
    value,
    children: childLen ? childText.slice(0, -1).split('\0') : [],
  };
}
