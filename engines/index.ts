/**
 * Public face of engines/: the contract, the error type, and
 * {@link createEngine}. See DESIGN.md (engines/) and FACTS.md §2–3.
 */
import { XsError } from './common/errors.ts';
import type { Engine, EngineFactory, EngineKind, EngineOptions } from './types.ts';
import { ENGINE_KINDS } from './types.ts';
import { createTdbEngine } from './tdb/index.ts';
import { createTrieEngine } from './trie/index.ts';
import { createTdbPernodeEngine } from './tdb-pernode/index.ts';
import { createTrieReplayEngine } from './trie-replay/index.ts';

export { XsError, isXsError, XS_ERRNOS } from './common/errors.ts';
export type { XsErrno } from './common/errors.ts';
export { ENGINE_KINDS, DEFAULT_MAX_NODES_PER_DOMAIN, COMMON_COUNTER_NAMES } from './types.ts';
export type { Engine, EngineOperations, EngineKind, EngineOptions, EngineFactory, EngineStorage, CommonCounterName } from './types.ts';
export { CountedEngine, zeroCounters } from './counted.ts';

const FACTORIES: Record<EngineKind, EngineFactory> = {
  tdb: createTdbEngine,
  trie: createTrieEngine,
  'tdb-pernode': createTdbPernodeEngine,
  'trie-replay': createTrieReplayEngine,
};

/** True when `kind` names a built-in engine. */
export function isEngineKind(kind: string): kind is EngineKind {
  return (ENGINE_KINDS as readonly string[]).includes(kind);
}

/**
 * Creates an engine. `options.dir` is where a file-backed engine keeps its
 * files (default: a fresh temp dir). Throws `XsError('EINVAL')` for an
 * unknown kind.
 */
export function createEngine(kind: EngineKind, options: EngineOptions = {}): Engine {
  if (!isEngineKind(kind)) {
    throw new XsError('EINVAL', `unknown engine ${JSON.stringify(kind)}; expected one of ${ENGINE_KINDS.join(', ')}`);
  }
  return FACTORIES[kind](options);
}
