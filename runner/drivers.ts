/**
 * Choosing a driver by name: `real` (worker threads, wall-clock) or `sim`
 * (the seeded discrete-event driver of runner/sim/, loaded only when asked
 * for).
 */
import type { CostProfile } from './cost/schema.ts';
import type { Driver } from './types.ts';
import { createRealDriver } from './real/index.ts';
import type { RealDriverOptions } from './real/index.ts';

/**
 * Builds the named driver. `profile` (a loaded profile, or a name or file
 * that is loaded now; default `xen-2009`) applies to `sim` only.
 * @throws CostProfileError when a named profile is missing or invalid.
 */
export async function createDriver(name: 'real' | 'sim', profile: string | CostProfile | undefined, realOptions: RealDriverOptions = {}): Promise<Driver> {
  if (name === 'real') return createRealDriver(realOptions);
  const { createSimDriver } = await import('./sim/index.ts');
  return createSimDriver(profile ?? 'xen-2009');
}
