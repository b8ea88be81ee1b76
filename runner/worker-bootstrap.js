// Worker threads cannot load .ts files: this bootstrap imports the TypeScript
// module named by `workerData.__module` (an absolute path or file: URL) from
// its compiled twin, or through tsx's loader (see compile-cache.js): always
// tsx when `workerData.__sourceOnly` is set (the worker imports further .ts
// modules at run time, which must share its module graph).
import { workerData } from 'node:worker_threads';
import { importEntry } from './compile-cache.js';

await importEntry(workerData.__module, { compiled: workerData.__sourceOnly !== true });
