/**
 * paper-7.1 (ICFP'09 §7.1, FACTS.md §1 and §7): 128 client processes × 500
 * transactions; each transaction reads one shared path and writes the
 * client's own path. The paper measured oxenstored ≈ 700 and cxenstored ≈
 * 300 "commits/s", cxenstored's average delay > 10 s and worst > 12 min.
 *
 * How the paper measured it, and what this scenario does about it:
 *
 * - **No hypervisor** (FACTS.md §7): §7.1 ran the daemons as plain
 *   processes with 128 client processes on their Unix socket, so there were
 *   no domains, no toolstack and no `/local/domain/<id>` homes; every socket
 *   client of a xenstored is privileged (dom0). `layout: 'flat'` (the
 *   default) is that store: one shared key and one key per client, clients
 *   connected as dom0. `layout: 'home'` keeps xstorm's earlier reading
 *   (each client a guest domain writing under its home, which a TDB copy
 *   then carries: ~4x the store), for comparison.
 * - **Separate processes** are not a perfect round-robin: each client
 *   process spends a variable time between a reply and its next request
 *   (the scheduler's wake-up, its own code). Before every request a client
 *   waits a think time drawn (seeded per client) from the distribution
 *   measured with 128 client processes against a saturated daemon
 *   (scenarios/think.ts, `npm run bench:think`), scaled to the median
 *   `thinkUs` (default: the measured median; 0: no think time). Without it
 *   the single-threaded daemon serves the clients in a fixed order, the
 *   same client ends first after every commit, and it alone commits until
 *   its 500 transactions are done.
 * - **"300" counts attempts** (FACTS.md §7: Little's law with the paper's
 *   own delays excludes 300 successful commits/s): reports compare the
 *   paper's figure with transaction-end replies per second (OK + EAGAIN);
 *   successful commits, delays and fairness are reported beside it. A
 *   client that finishes records `clientFinished`.
 */
import { z } from 'zod';
import type { ActorContext, ActorSpec, Scenario } from './types.ts';
import { countField, createGuestHome, createSharedDir, domainHome, guestActor, guestDomid } from './common.ts';
import { MEASURED_THINK_MEDIAN_US, thinkTimeUs } from './think.ts';

/** The two store layouts of §7.1 (see the module comment). */
export const PAPER_71_LAYOUTS = ['flat', 'home'] as const;

const Params = z.strictObject({
  /** Transactions per client. */
  transactions: countField(500),
  /** Store layout: `flat` (no hypervisor, as §7.1 ran) or `home` (clients as guest domains). */
  layout: z.enum(PAPER_71_LAYOUTS).default('flat'),
  /** Median think time of a client before every request (µs; the measured shape of scenarios/think.ts); 0 = none. */
  thinkUs: z.number().nonnegative().finite().max(1_000_000).default(MEASURED_THINK_MEDIAN_US),
});
export type Paper71Params = z.infer<typeof Params>;

/** The shared key every transaction reads, and the key client `index` writes, for a layout. */
export function paper71Paths(layout: Paper71Params['layout'], index: number): { shared: string; own: string } {
  return layout === 'flat'
    ? { shared: '/p71/shared', own: `/p71/c${index}` }
    : { shared: '/shared/p71', own: `${domainHome(guestDomid(index))}/data/p71` };
}

/** Sleeps a think time of median `thinkUs` (seeded by the client's PRNG). */
function think(ctx: ActorContext<Paper71Params>): Promise<void> | undefined {
  if (ctx.params.thinkUs <= 0) return undefined;
  return ctx.clock.sleep(thinkTimeUs(ctx.random(), ctx.params.thinkUs) / 1000);
}

async function client(ctx: ActorContext<Paper71Params>): Promise<void> {
  const { shared, own } = paper71Paths(ctx.params.layout, ctx.index);
  let t = 0;
  for (; t < ctx.params.transactions && !ctx.stopping(); t++) {
    await think(ctx);
    await ctx.client.transaction(async (tx) => {
      await think(ctx);
      const value = await tx.read(shared);
      await think(ctx);
      await tx.write(own, `${t}:${value}`);
      await think(ctx);
    });
  }
  if (t === ctx.params.transactions) ctx.record('clientFinished', ctx.index);
}

export const paper71: Scenario<Paper71Params> = {
  name: 'paper-7.1',
  description: 'ICFP\'09 §7.1: every client runs `transactions` transactions, each reading one shared path and writing its own path (128 × 500 in the paper); '
    + '`layout` flat (no hypervisor, as the paper ran it) or home; `thinkUs` mean client think time per request.',
  params: Params,
  defaultGuests: 128,
  defaultDurationS: 600,
  slo: 'every client completes all its transactions within the run and no actor class livelocked',
  endWhenDone: ['guest'],
  async setup({ client, guests, params }) {
    if (params.layout === 'flat') {
      await client.write('/p71/shared', '0');
      for (let i = 0; i < guests; i++) await client.write(paper71Paths('flat', i).own, '0');
      return;
    }
    await createSharedDir(client, '/shared');
    await client.write('/shared/p71', '0');
    for (let i = 0; i < guests; i++) {
      await createGuestHome(client, guestDomid(i));
      await client.write(paper71Paths('home', i).own, '0');
    }
  },
  actors(params, guests) {
    return Array.from({ length: guests }, (_, index): ActorSpec<Paper71Params> => {
      const actor = guestActor<Paper71Params>(index, client);
      // §7.1's clients were processes on the daemon's socket: privileged, no domain.
      return params.layout === 'flat' ? { ...actor, domid: 0 } : actor;
    });
  },
  evaluate(input, params) {
    const expected = input.guests * params.transactions;
    const finished = input.events['clientFinished']?.length ?? 0;
    const ok = input.commits >= expected && !input.livelocked;
    return {
      ok,
      detail: `${input.commits} of ${expected} transactions committed, ${finished} of ${input.guests} clients finished${input.livelocked ? ', livelocked' : ''}, ${input.goodput.toFixed(1)} commits/s`,
    };
  },
  extra(_params, _guests, input) {
    return { clientsFinished: input?.events['clientFinished']?.length ?? 0 };
  },
};
