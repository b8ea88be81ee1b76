/**
 * watch-storm: every guest watches a shared directory (and its own
 * `control/`), while dom0 writes keys under the shared directory as fast as
 * it can (or every `writeIntervalMs`): each write fires one event per
 * guest, so the daemon's watch fan-out is what is measured.
 */
import { z } from 'zod';
import type { ActorSpec, Scenario } from './types.ts';
import { countField, createGuestHome, createSharedDir, domainHome, guestActor, guestDomid, msField } from './common.ts';

const Params = z.strictObject({
  /** Keys under `/shared/watched` that dom0 cycles through. */
  keys: countField(16),
  /** Pause between dom0's writes (ms; 0 = back to back). */
  writeIntervalMs: msField(1),
  /** Fraction of the watch events (writes × guests) that must be delivered. */
  minDelivered: z.number().min(0).max(1).default(0.95),
});
export type WatchStormParams = z.infer<typeof Params>;

const WATCHED = '/shared/watched';

export const watchStorm: Scenario<WatchStormParams> = {
  name: 'watch-storm',
  description: 'Every guest watches /shared/watched while dom0 writes keys under it: each write fires one watch event per guest.',
  params: Params,
  defaultGuests: 32,
  defaultDurationS: 10,
  slo: 'guests receive at least minDelivered (default 95%) of the watch events fired (writes × guests, tallied in batches during the run)',
  endWhenDone: [],
  async setup({ client, guests, params }) {
    await createSharedDir(client, '/shared');
    await client.mkdir(WATCHED);
    for (let k = 0; k < params.keys; k++) await client.write(`${WATCHED}/k${k}`, '0');
    for (let i = 0; i < guests; i++) await createGuestHome(client, guestDomid(i));
  },
  actors(_params, guests) {
    const actors: ActorSpec<WatchStormParams>[] = [{
      id: 'writer', actorClass: 'toolstack', domid: 0, index: 0, isGuest: false,
      async program(ctx) {
        // Tallies are recorded as they go: events recorded after the stop do not count.
        let n = 0;
        let reported = 0;
        while (!ctx.stopping()) {
          await ctx.client.write(`${WATCHED}/k${n % ctx.params.keys}`, String(n));
          n++;
          if (n - reported >= 64) {
            ctx.record('watchedWrites', n - reported);
            reported = n;
          }
          if (ctx.params.writeIntervalMs > 0) await ctx.clock.sleep(ctx.params.writeIntervalMs);
        }
      },
    }];
    for (let index = 0; index < guests; index++) {
      actors.push(guestActor(index, async (ctx) => {
        let received = 0;
        ctx.client.onWatchEvent((path) => {
          if (path.startsWith(`${WATCHED}/`)) received++;
        });
        await ctx.client.watch(WATCHED, 'storm');
        await ctx.client.watch(`${domainHome(ctx.domid)}/control`, 'control');
        let reported = 0;
        while (!ctx.stopping()) {
          await ctx.clock.sleep(50);
          if (received > reported) {
            ctx.record('watchEventsReceived', received - reported);
            reported = received;
          }
        }
      }));
    }
    return actors;
  },
  evaluate(input, params) {
    const writes = (input.events['watchedWrites'] ?? []).reduce((t, e) => t + e.value, 0);
    const received = (input.events['watchEventsReceived'] ?? []).reduce((t, e) => t + e.value, 0);
    const expected = writes * input.guests;
    const fraction = expected > 0 ? received / expected : 0;
    const ok = expected > 0 && fraction >= params.minDelivered;
    return { ok, detail: `${received} of ${expected} watch events delivered (${(fraction * 100).toFixed(1)}%), ${writes} writes` };
  },
};
