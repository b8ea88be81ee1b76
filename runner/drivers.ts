/**
 * Choosing a driver by name for the CLI: `real` (worker threads,
 * wall-clock) or `sim` (the seeded discrete-event driver of runner/sim/,
 * loaded only when asked for).
 */
import type { Driver } from './types.ts';
import { createRealDriver } from './real/index.ts';
import type { RealDriverOptions } from './real/index.ts';

/** A driver the user asked for could not be made (unknown profile, sim driver missing): a usage problem. */
export class DriverUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DriverUnavailableError';
  }
}

/** Builds the named driver. `profile` applies to `sim` only. */
export async function createDriver(name: 'real' | 'sim', profile: string | undefined, realOptions: RealDriverOptions = {}): Promise<Driver> {
  if (name === 'real') return createRealDriver(realOptions);
  let sim: { createSimDriver?: (profile: string) => Driver };
  try {
    sim = (await import('./sim/index.ts')) as typeof sim;
  } catch (error) {
    throw new DriverUnavailableError(`the simulated driver is not available (runner/sim/index.ts): ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof sim.createSimDriver !== 'function') throw new DriverUnavailableError('the simulated driver is not available yet (runner/sim/index.ts has no createSimDriver)');
  try {
    return sim.createSimDriver(profile ?? 'xen-2009');
  } catch (error) {
    throw new DriverUnavailableError(`--profile ${profile ?? 'xen-2009'}: ${(error as Error).message.split('\n')[0]}`);
  }
}
