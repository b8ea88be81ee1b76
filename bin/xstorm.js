#!/usr/bin/env node
// Launcher: xstorm is written in TypeScript and runs from its sources, so a
// fresh clone works right after `npm ci` with no build step. The first start
// after a change compiles bin/cli.ts into a cached bundle; later starts load
// it directly, or fall back to tsx (see runner/bundle-cache.js).
import { importEntry } from '../runner/bundle-cache.js';

await importEntry(new URL('./cli.ts', import.meta.url).href);
