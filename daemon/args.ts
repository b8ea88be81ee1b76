/**
 * Strict parsing of request payloads into their NUL-terminated arguments.
 * Anything malformed is `EINVAL`, as both real daemons answer (a missing
 * NUL, an extra argument, an empty payload).
 */
import { XsError } from '../engines/common/errors.ts';
import * as codec from '../protocol/codec.ts';

// tsx compiles each use of an imported binding into a getter call: the hot
// path reads these module constants instead.
const { bytesToLatin1 } = codec;

/** Exactly one NUL-terminated string (READ, RM, GET_DOMAIN_PATH, ...). */
export function oneString(payload: Uint8Array): string {
  const n = payload.length;
  if (n === 0 || payload[n - 1] !== 0) throw new XsError('EINVAL', 'argument is not NUL-terminated');
  const nul = payload.indexOf(0);
  if (nul !== n - 1) throw new XsError('EINVAL', 'expected exactly one argument');
  return bytesToLatin1(payload, 0, nul);
}

/**
 * All NUL-terminated strings of a payload; `EINVAL` unless the payload ends
 * with a NUL and holds between `min` and `max` strings.
 */
export function strings(payload: Uint8Array, min: number, max = min): string[] {
  const n = payload.length;
  if (n === 0 || payload[n - 1] !== 0) throw new XsError('EINVAL', 'arguments are not NUL-terminated');
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    if (payload[i] === 0) {
      if (out.length === max) throw new XsError('EINVAL', `expected at most ${max} arguments`);
      out.push(bytesToLatin1(payload, start, i));
      start = i + 1;
    }
  }
  if (out.length < min) throw new XsError('EINVAL', `expected at least ${min} arguments`);
  return out;
}

/** A domain id argument: decimal digits, 0..65535 (`EINVAL` otherwise). */
export function parseDomid(text: string): number {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) throw new XsError('EINVAL', `bad domain id ${JSON.stringify(text.slice(0, 16))}`);
  const n = Number(text);
  if (n > 0xffff) throw new XsError('EINVAL', `domain id ${n} out of range`);
  return n;
}

/** A non-negative decimal integer argument (`EINVAL` otherwise). */
export function parseUint(text: string): number {
  if (!/^[0-9]{1,15}$/.test(text)) throw new XsError('EINVAL', `bad number ${JSON.stringify(text.slice(0, 16))}`);
  return Number(text);
}
