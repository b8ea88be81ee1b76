/**
 * Worker side of the parallel bench: runs the simulated plans it is sent,
 * one at a time, and posts progress and results back. Started through
 * runner/worker-bootstrap.js (workers cannot load .ts directly).
 */
import { parentPort } from 'node:worker_threads';
import type { CostProfile } from '../cost/schema.ts';
import type { RunPlan } from '../types.ts';
import { runSimulated } from './driver.ts';

/** Main thread → worker. */
export type BenchWorkerRequest = { readonly type: 'run'; readonly index: number; readonly plan: RunPlan; readonly profile: CostProfile } | { readonly type: 'exit' };

const port = parentPort;
if (!port) throw new Error('bench-worker.ts must run in a worker thread');
port.on('message', async (msg: BenchWorkerRequest) => {
  if (msg.type === 'exit') {
    port.close();
    return;
  }
  try {
    const result = await runSimulated(msg.plan, msg.profile, (fraction, note) => port.postMessage({ type: 'progress', index: msg.index, fraction, note }));
    port.postMessage({ type: 'result', index: msg.index, result });
  } catch (error) {
    port.postMessage({ type: 'error', index: msg.index, message: (error as Error)?.stack ?? String(error) });
  }
});
