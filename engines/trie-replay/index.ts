/** The `trie-replay` engine (not yet implemented). */
import { XsError } from '../common/errors.ts';
import type { Engine, EngineOptions } from '../types.ts';

/** Creates a `trie-replay` engine. */
export function createTrieReplayEngine(_options: EngineOptions): Engine {
  throw new XsError('ENOSYS', 'engine trie-replay is not implemented yet');
}
