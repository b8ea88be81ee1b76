/** The `tdb-pernode` engine (not yet implemented). */
import { XsError } from '../common/errors.ts';
import type { Engine, EngineOptions } from '../types.ts';

/** Creates a `tdb-pernode` engine. */
export function createTdbPernodeEngine(_options: EngineOptions): Engine {
  throw new XsError('ENOSYS', 'engine tdb-pernode is not implemented yet');
}
