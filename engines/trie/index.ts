/**
 * Public face of engines/trie: the `trie` engine, oxenstored as of 2009
 * (immutable trie, O(1) transaction start, root swap / coalescing commit).
 * See engine.ts for the algorithm and the semantics taken from the source.
 */
import type { EngineOptions } from '../types.ts';
import { TrieEngine } from './engine.ts';

export { TrieEngine, TRIE_COUNTERS } from './engine.ts';
export type { TrieCounterName, TrieWorkCounters } from './engine.ts';

/** Creates a `trie` engine (in memory; `options.dir` is not used). */
export function createTrieEngine(options: EngineOptions): TrieEngine {
  return new TrieEngine(options);
}
