#!/usr/bin/env node
// Launcher: xstorm is written in TypeScript and runs through tsx, so a fresh
// clone works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
