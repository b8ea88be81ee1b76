/**
 * The engine suite runs on every engine: an engine whose factory stops
 * working (throws ENOSYS, say, after a bad merge) would otherwise drop out
 * of ENGINES_UNDER_TEST and every engine test would pass without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_KINDS } from '../../engines/index.ts';
import { ENGINES_UNDER_TEST } from './engines-under-test.ts';

test('every engine kind is under test', () => {
  assert.deepEqual(ENGINES_UNDER_TEST, ENGINE_KINDS, `engines missing from the suite: ${ENGINE_KINDS.filter((k) => !ENGINES_UNDER_TEST.includes(k)).join(', ')}`);
});
