/**
 * read-mostly: every guest mostly reads (its own keys and shared
 * configuration, outside transactions) and now and then updates one of
 * its own keys in a short transaction.
 */
import { z } from 'zod';
import type { ActorContext, Scenario } from './types.ts';
import { countField, createGuestHomesWithKeys, createSharedDir, domainHome, evaluateLatencySlo, fractionField, LATENCY_SLO, loopingGuests, msField } from './common.ts';

const Params = z.strictObject({
  /** Fraction of operations that are plain reads. */
  readFraction: fractionField(0.95),
  /** Fraction of reads that go to the shared configuration keys. */
  sharedReadFraction: fractionField(0.5),
  /** Shared configuration keys under `/shared/config`. */
  sharedKeys: countField(16),
  /** Own keys per guest. */
  keysPerGuest: countField(8),
  /** Think time between operations (ms). */
  thinkMs: msField(0),
  /** SLO bound on p99 logical-transaction latency (ms). */
  p99Ms: z.number().positive().default(100),
});
export type ReadMostlyParams = z.infer<typeof Params>;

export const readMostly: Scenario<ReadMostlyParams> = {
  name: 'read-mostly',
  description: 'Guests mostly read (own and shared keys, no transaction) and occasionally update an own key in a short transaction.',
  params: Params,
  defaultGuests: 8,
  defaultDurationS: 10,
  slo: LATENCY_SLO,
  endWhenDone: [],
  async setup({ client, params, guests }) {
    await createSharedDir(client, '/shared');
    await client.mkdir('/shared/config');
    for (let k = 0; k < params.sharedKeys; k++) await client.write(`/shared/config/k${k}`, `v${k}`);
    await createGuestHomesWithKeys(client, guests, params.keysPerGuest);
  },
  actors(_params, guests) {
    return loopingGuests(guests, readMostlyIteration);
  },
  evaluate(input, params) {
    return evaluateLatencySlo(input, params.p99Ms);
  },
};

/** One read (or, now and then, one own-key update transaction), then the think time. */
async function readMostlyIteration(ctx: ActorContext<ReadMostlyParams>): Promise<void> {
  const home = domainHome(ctx.domid);
  const p = ctx.params;
  if (ctx.random() < p.readFraction) {
    const path = ctx.random() < p.sharedReadFraction
      ? `/shared/config/k${Math.floor(ctx.random() * p.sharedKeys)}`
      : `${home}/data/k${Math.floor(ctx.random() * p.keysPerGuest)}`;
    await ctx.client.read(path);
  } else {
    const path = `${home}/data/k${Math.floor(ctx.random() * p.keysPerGuest)}`;
    await ctx.client.transaction(async (tx) => {
      await tx.write(path, String((Number(await tx.read(path)) || 0) + 1));
    });
  }
  if (p.thinkMs > 0) await ctx.clock.sleep(p.thinkMs);
}
