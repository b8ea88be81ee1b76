/**
 * Seeded pseudo-random numbers (splitmix32 for seeding, xoshiro128** for the
 * stream): every actor gets its own reproducible stream, so runs never
 * depend on `Math.random` or on the order in which threads are scheduled.
 */

/** One step of splitmix32: a well-mixed 32-bit value from a 32-bit state. */
function splitmix32(state: number): [value: number, next: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [z >>> 0, next];
}

/** FNV-1a hash of a string, to derive a stream from a name (e.g. an actor id). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A xoshiro128** generator seeded from `seed` (and an optional stream name,
 * so each actor of one run draws from its own stream). Returns numbers in
 * [0, 1) with 32 bits of randomness.
 */
export function createRandom(seed: number, stream = ''): () => number {
  let state = (seed ^ hashString(stream)) | 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [value, next] = splitmix32(state);
    words.push(value);
    state = next;
  }
  let [a, b, c, d] = words as [number, number, number, number];
  if ((a | b | c | d) === 0) a = 1;
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c = (c ^ a) >>> 0;
    d = (d ^ b) >>> 0;
    b = (b ^ c) >>> 0;
    a = (a ^ d) >>> 0;
    c = (c ^ t) >>> 0;
    d = rotl(d, 11);
    return result / 4294967296;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
