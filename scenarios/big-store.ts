/**
 * big-store: cost versus store size. Setup populates `storeNodes` nodes
 * (as `domains` domain-like subtrees), then guests loop short transactions
 * on their own keys; the per-request and per-transaction latency shows how
 * each engine's costs grow with the store (a tdb transaction start copies
 * the whole database; a trie start is O(1)).
 */
import { z } from 'zod';
import type { ActorContext, Scenario } from './types.ts';
import { countField, createGuestHome, domainHome, evaluateLatencySlo, guestDomid, LATENCY_SLO, loopingGuests, msField } from './common.ts';

const Params = z.strictObject({
  /** Nodes to add before the run. */
  storeNodes: z.number().int().nonnegative().default(10000),
  /** Nodes per populated directory (`/bigstore/d<i>/n<j>`). */
  fanout: countField(100),
  /** Bytes per populated value. */
  valueBytes: z.number().int().nonnegative().max(4000).default(32),
  /** Think time between transactions (ms). */
  thinkMs: msField(0),
  /** SLO bound on p99 logical-transaction latency (ms). */
  p99Ms: z.number().positive().default(100),
});
export type BigStoreParams = z.infer<typeof Params>;

export const bigStore: Scenario<BigStoreParams> = {
  name: 'big-store',
  description: 'Cost versus store size: setup writes storeNodes extra nodes, then guests loop short own-key transactions; latency per request and transaction vs size.',
  params: Params,
  defaultGuests: 4,
  defaultDurationS: 10,
  slo: LATENCY_SLO,
  endWhenDone: [],
  extra(params) {
    return { storeNodes: params.storeNodes };
  },
  async setup({ client, params, guests }) {
    const value = 'x'.repeat(params.valueBytes);
    for (let n = 0; n < params.storeNodes; n++) {
      await client.write(`/bigstore/d${Math.floor(n / params.fanout)}/n${n % params.fanout}`, value);
    }
    for (let i = 0; i < guests; i++) {
      await createGuestHome(client, guestDomid(i));
      await client.write(`${domainHome(guestDomid(i))}/data/counter`, '0');
    }
  },
  actors(_params, guests) {
    return loopingGuests(guests, bigStoreIteration);
  },
  evaluate(input, params) {
    return evaluateLatencySlo(input, params.p99Ms);
  },
};

/** One own-key read-modify-write transaction, then the think time. */
async function bigStoreIteration(ctx: ActorContext<BigStoreParams>): Promise<void> {
  const path = `${domainHome(ctx.domid)}/data/counter`;
  await ctx.client.transaction(async (tx) => {
    await tx.write(path, String((Number(await tx.read(path)) || 0) + 1));
  });
  if (ctx.params.thinkMs > 0) await ctx.clock.sleep(ctx.params.thinkMs);
}
