/**
 * paper-7.3 — the headline (ICFP'09 §7.3, FACTS.md §1 and §5). A toolstack
 * actor (dom0) starts `guests` domains one after another the way libxl does
 * (name check, domain_make, build, build_post, console/disk/vif device
 * transactions, immediate retry on EAGAIN). Each started guest, on its own
 * domain's connection, brings its front-ends up (state-switch transactions)
 * and then loops forever: start a transaction, write `device/foo`, sleep,
 * write `device/bar`, commit, sleep (1 s each in the paper). The metric is
 * the cumulative time to start the k-th guest; the run ends when the
 * toolstack has started every guest, or at the cap (20 minutes).
 *
 * The toolstack's requests follow libxl 4.4, a documented stand-in for the
 * paper's XenServer toolstack (FACTS.md §5), not its exact traffic.
 */
import { z } from 'zod';
import type { Scenario } from './types.ts';
import { createDom0, domainHome, guestActor, guestDomid, msField, waitForNode } from './common.ts';
import { createDomain, frontendsConnect, startedMarker } from './libxl.ts';

const Params = z.strictObject({
  /** The guest's sleep between the two writes and after the commit (ms; 1 s in the paper). */
  sleepMs: msField(1000),
  /** Time the toolstack spends building a domain outside xenstore (ms; a stand-in, not from the paper). */
  buildMs: msField(0),
  /** Multiplies every sleep, the build time and the cap: 0.05 runs the experiment 20× faster. */
  timeScale: z.number().positive().max(1000).default(1),
  /** Cap on the whole experiment in unscaled seconds (20 minutes in the paper). */
  capS: z.number().positive().default(1200),
  /** Whether the toolstack runs libxl's name check (reads every domain's name) before each start. */
  nameCheck: z.boolean().default(true),
  /** Fallback poll of a waiting guest for its start marker (ms, unscaled), in case a watch event is missed. */
  startPollMs: msField(10000),
});
export type Paper73Params = z.infer<typeof Params>;

export const paper73: Scenario<Paper73Params> = {
  name: 'paper-7.3',
  description:
    'ICFP\'09 §7.3: a toolstack starts guests one after another (libxl 4.4 traffic, a documented stand-in for the paper\'s XenServer toolstack, FACTS.md §5); '
    + 'each started guest loops: txn start, write device/foo, sleep, write device/bar, commit, sleep. Metric: cumulative time to start the k-th guest.',
  params: Params,
  defaultGuests: 160,
  defaultDurationS: 1200,
  slo: 'every guest started within the cap (capS × timeScale; 20 minutes in the paper)',
  endWhenDone: ['toolstack'],
  durationS(params) {
    return params.capS * params.timeScale;
  },
  async setup({ client }) {
    await createDom0(client);
    await client.mkdir('/vm');
    await client.mkdir('/libxl');
  },
  actors(_params, guests) {
    const toolstack = {
      id: 'toolstack',
      actorClass: 'toolstack',
      domid: 0,
      index: 0,
      isGuest: false,
      async program(ctx: Parameters<typeof guestProgram>[0]) {
        const scale = ctx.params.timeScale;
        for (let k = 1; k <= ctx.guests && !ctx.stopping(); k++) {
          await createDomain(ctx.client, guestDomid(k - 1), {
            buildMs: ctx.params.buildMs * scale,
            sleep: (ms) => ctx.clock.sleep(ms),
            nameCheck: ctx.params.nameCheck,
          });
          ctx.record('guestStarted', k);
        }
      },
    };
    const guestActors = Array.from({ length: guests }, (_, index) => guestActor(index, guestProgram));
    return [toolstack, ...guestActors];
  },
  evaluate(input, params) {
    const capS = params.capS * params.timeScale;
    const starts = input.events['guestStarted'] ?? [];
    const last = starts.length ? Math.max(...starts.map((s) => s.tS)) : 0;
    const ok = starts.length >= input.guests && last <= capS;
    return {
      ok,
      detail: ok
        ? `all ${input.guests} guests started in ${last.toFixed(1)} s (cap ${capS} s)`
        : `${starts.length} of ${input.guests} guests started within the cap of ${capS} s`,
    };
  },
};

/** A guest: wait until the toolstack unpauses it, bring the front-ends up, then loop like the paper's agent. */
async function guestProgram(ctx: import('./types.ts').ActorContext<Paper73Params>): Promise<void> {
  const scale = ctx.params.timeScale;
  if (!(await waitForNode(ctx, startedMarker(ctx.domid), ctx.params.startPollMs))) return;
  await frontendsConnect(ctx.client, ctx.domid);
  const device = `${domainHome(ctx.domid)}/device`;
  const sleepMs = ctx.params.sleepMs * scale;
  let n = 0;
  while (!ctx.stopping()) {
    n++;
    await ctx.client.transaction(async (tx) => {
      await tx.write(`${device}/foo`, String(n));
      await ctx.clock.sleep(sleepMs);
      await tx.write(`${device}/bar`, String(n));
    });
    if (ctx.stopping()) break;
    await ctx.clock.sleep(sleepMs);
  }
}
