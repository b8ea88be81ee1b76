/** The `tdb` engine (not yet implemented). */
import { XsError } from '../common/errors.ts';
import type { Engine, EngineOptions } from '../types.ts';

/** Creates a `tdb` engine. */
export function createTdbEngine(_options: EngineOptions): Engine {
  throw new XsError('ENOSYS', 'engine tdb is not implemented yet');
}
