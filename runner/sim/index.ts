/**
 * runner/sim/: the simulated driver — the real daemon and engines on a
 * seeded discrete-event clock, each request priced by a cost profile
 * (runner/cost/). See README.md in runner/cost/ for the model.
 */
export { SimClock } from './clock.ts';
export type { SimRunEnd, SimEventHandler } from './clock.ts';
export { SimServer } from './server.ts';
export type { SimServerStats } from './server.ts';
export { createSimDriver, runSimulated, SimStallError } from './driver.ts';
export type { SimRunOptions } from './driver.ts';
