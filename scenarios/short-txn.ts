/**
 * short-txn: every guest loops short transactions (read a key, write it
 * back incremented) on its own subtree; a fraction `sharedFraction` of them
 * use one of `sharedKeys` keys under `/shared` instead. The workload that
 * shows a global-generation store (tdb) collapse as guests are added.
 */
import { z } from 'zod';
import type { ActorContext, Scenario } from './types.ts';
import { countField, createGuestHomesWithKeys, createSharedDir, domainHome, evaluateLatencySlo, fractionField, LATENCY_SLO, loopingGuests, msField } from './common.ts';

const Params = z.strictObject({
  /** Fraction of transactions on a shared key (0 = own subtree only). */
  sharedFraction: fractionField(0),
  /** Number of shared keys (`/shared/k<i>`). */
  sharedKeys: countField(1),
  /** Keys per guest in its own subtree (`data/k<i>`). */
  keysPerGuest: countField(4),
  /** Think time between transactions (ms, clock time). */
  thinkMs: msField(0),
  /** SLO bound on p99 logical-transaction latency (ms). */
  p99Ms: z.number().positive().default(100),
});
export type ShortTxnParams = z.infer<typeof Params>;

export const shortTxn: Scenario<ShortTxnParams> = {
  name: 'short-txn',
  description: 'Each guest loops short transactions (read + write one key) on its own subtree; a fraction sharedFraction goes to shared keys.',
  params: Params,
  defaultGuests: 8,
  defaultDurationS: 10,
  slo: LATENCY_SLO,
  endWhenDone: [],
  async setup({ client, params, guests }) {
    await createSharedDir(client, '/shared');
    for (let k = 0; k < params.sharedKeys; k++) await client.write(`/shared/k${k}`, '0');
    await createGuestHomesWithKeys(client, guests, params.keysPerGuest);
  },
  actors(_params, guests) {
    return loopingGuests(guests, shortTxnIteration);
  },
  evaluate(input, params) {
    return evaluateLatencySlo(input, params.p99Ms);
  },
};

/** One short transaction on an own or shared key, then the think time. */
async function shortTxnIteration(ctx: ActorContext<ShortTxnParams>): Promise<void> {
  const home = domainHome(ctx.domid);
  const path = ctx.random() < ctx.params.sharedFraction
    ? `/shared/k${Math.floor(ctx.random() * ctx.params.sharedKeys)}`
    : `${home}/data/k${Math.floor(ctx.random() * ctx.params.keysPerGuest)}`;
  await ctx.client.transaction(async (tx) => {
    const value = Number(await tx.read(path)) || 0;
    await tx.write(path, String(value + 1));
  });
  if (ctx.params.thinkMs > 0) await ctx.clock.sleep(ctx.params.thinkMs);
}
