// Worker threads cannot load .ts files: this bootstrap registers tsx's ESM
// loader in the worker, then imports the TypeScript module named by
// `workerData.__module` (an absolute path or file: URL).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.__module);
