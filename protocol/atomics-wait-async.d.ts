/**
 * `Atomics.waitAsync` (ES2024; in Node ≥ 16) is missing from the ES2022 lib
 * this project compiles against.
 */
interface Atomics {
  waitAsync(
    typedArray: Int32Array,
    index: number,
    value: number,
    timeout?: number,
  ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
}
