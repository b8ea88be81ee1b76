/**
 * paper-7.1 (ICFP'09 §7.1, FACTS.md §1): 128 clients × 500 transactions;
 * each transaction reads one shared path and writes the client's own path.
 * The paper measured oxenstored ≈ 700 commits/s, cxenstored ≈ 300.
 */
import { z } from 'zod';
import type { Scenario } from './types.ts';
import { countField, createGuestHome, createSharedDir, domainHome, guestActor, guestDomid } from './common.ts';

const Params = z.strictObject({
  /** Transactions per client. */
  transactions: countField(500),
});
export type Paper71Params = z.infer<typeof Params>;

const SHARED = '/shared/p71';

export const paper71: Scenario<Paper71Params> = {
  name: 'paper-7.1',
  description: 'ICFP\'09 §7.1: every client runs `transactions` transactions, each reading one shared path and writing its own path (128 × 500 in the paper).',
  params: Params,
  defaultGuests: 128,
  defaultDurationS: 600,
  slo: 'every client completes all its transactions within the run and no actor class livelocked',
  endWhenDone: ['guest'],
  async setup({ client, guests }) {
    await createSharedDir(client, '/shared');
    await client.write(SHARED, '0');
    for (let i = 0; i < guests; i++) {
      await createGuestHome(client, guestDomid(i));
      await client.write(`${domainHome(guestDomid(i))}/data/p71`, '0');
    }
  },
  actors(_params, guests) {
    return Array.from({ length: guests }, (_, index) => guestActor<Paper71Params>(index, async (ctx) => {
      const own = `${domainHome(ctx.domid)}/data/p71`;
      for (let t = 0; t < ctx.params.transactions && !ctx.stopping(); t++) {
        await ctx.client.transaction(async (tx) => {
          const shared = await tx.read(SHARED);
          await tx.write(own, `${t}:${shared}`);
        });
      }
    }));
  },
  evaluate(input, params) {
    const expected = input.guests * params.transactions;
    const ok = input.commits >= expected && !input.livelocked;
    return {
      ok,
      detail: `${input.commits} of ${expected} transactions committed${input.livelocked ? ', livelocked' : ''}, ${input.goodput.toFixed(1)} commits/s`,
    };
  },
};
