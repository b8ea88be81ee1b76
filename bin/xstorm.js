#!/usr/bin/env node
// Launcher: xstorm is written in TypeScript and runs from its sources, so a
// fresh clone works right after `npm ci` with no build step. Each start
// loads the sources' compiled twins, compiling what changed since the last
// start, or falls back to tsx (see runner/compile-cache.js).
import { importEntry } from '../runner/compile-cache.js';

await importEntry(new URL('./cli.ts', import.meta.url).href);
