/** The `trie` engine (not yet implemented). */
import { XsError } from '../common/errors.ts';
import type { Engine, EngineOptions } from '../types.ts';

/** Creates a `trie` engine. */
export function createTrieEngine(_options: EngineOptions): Engine {
  throw new XsError('ENOSYS', 'engine trie is not implemented yet');
}
