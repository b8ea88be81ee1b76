/**
 * paper-7.3 — the headline (ICFP'09 §7.3, FACTS.md §1, §5 and §7). A
 * toolstack actor (dom0) starts `guests` domains one after another, with
 * immediate retry on EAGAIN, as one of two toolstacks:
 *
 * - `xapi-2009` (default, the paper's): the 2009 XenServer toolstack, from
 *   its sources (scenarios/xapi.ts cites them): one transaction for the
 *   domain, six writes outside transactions (each bumps the 2009 C daemon's
 *   global generation), build_post, a transaction per device (disk, vif)
 *   each followed by the wait for the hotplug script (`hotplugMs`) and the
 *   script's own writes; no name check.
 * - `libxl-4.4`: libxl's traffic (scenarios/libxl.ts: name check over
 *   every domain, domain_make, build_post, console/disk/vif transactions), a
 *   documented stand-in kept for comparison (FACTS.md §5).
 *
 * Each started guest, on its own domain's connection, brings its front-ends
 * up (state-switch transactions) and then loops forever: start a transaction, write `device/foo`, sleep,
 * write `device/bar`, commit, sleep (1 s each in the paper). The metric is
 * the cumulative time to start the k-th guest; the run ends when the
 * toolstack has started every guest, or at the cap (20 minutes).
 */
import { z } from 'zod';
import type { Scenario } from './types.ts';
import { createDom0, domainHome, guestActor, guestDomid, msField, waitForNode } from './common.ts';
import { createDomain, frontendsConnect, startedMarker } from './libxl.ts';
import { createDomainXapi, XAPI_ROOTS } from './xapi.ts';

/** The toolstacks paper-7.3 can model (see the module comment). */
export const PAPER_73_TOOLSTACKS = ['xapi-2009', 'libxl-4.4'] as const;

const Params = z.strictObject({
  /** The guest's sleep between the two writes and after the commit (ms; 1 s in the paper). */
  sleepMs: msField(1000),
  /** Time the toolstack spends building a domain outside xenstore (ms; a stand-in, not from the paper). */
  buildMs: msField(0),
  /** Multiplies every sleep, the build time and the cap: 0.05 runs the experiment 20× faster. */
  timeScale: z.number().positive().max(1000).default(1),
  /** Cap on the whole experiment in unscaled seconds (20 minutes in the paper). */
  capS: z.number().positive().default(1200),
  /** Whose traffic the toolstack sends: the paper's 2009 XenServer toolstack or the libxl 4.4 stand-in. */
  toolstack: z.enum(PAPER_73_TOOLSTACKS).default('xapi-2009'),
  /**
   * xapi-2009: the hotplug script's time after each device is added (ms;
   * an order-of-magnitude figure for a 2009 udev shell script, not from
   * the paper: the per-guest time that the paper reports, ~2 s, is
   * `buildMs` + 2 × `hotplugMs` plus the xenstore work).
   */
  hotplugMs: msField(100),
  /** libxl-4.4: whether the toolstack runs libxl's name check (reads every domain's name) before each start. */
  nameCheck: z.boolean().default(true),
  /** Fallback poll of a waiting guest for its start marker (ms, unscaled), in case a watch event is missed. */
  startPollMs: msField(10000),
});
export type Paper73Params = z.infer<typeof Params>;

export const paper73: Scenario<Paper73Params> = {
  name: 'paper-7.3',
  description:
    'ICFP\'09 §7.3: a toolstack starts guests one after another (`toolstack`: xapi-2009, the paper\'s XenServer toolstack from its 2009 sources, or libxl-4.4, a stand-in); '
    + 'each started guest loops: txn start, write device/foo, sleep, write device/bar, commit, sleep. Metric: cumulative time to start the k-th guest.',
  params: Params,
  defaultGuests: 160,
  defaultDurationS: 1200,
  slo: 'every guest started within the cap (capS × timeScale; 20 minutes in the paper)',
  endWhenDone: ['toolstack'],
  durationS(params) {
    return params.capS * params.timeScale;
  },
  async setup({ client, params }) {
    await createDom0(client);
    for (const root of params.toolstack === 'xapi-2009' ? XAPI_ROOTS : ['/vm', '/libxl']) await client.mkdir(root);
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
        const sleep = (ms: number) => ctx.clock.sleep(ms);
        for (let k = 1; k <= ctx.guests && !ctx.stopping(); k++) {
          const domid = guestDomid(k - 1);
          if (ctx.params.toolstack === 'xapi-2009') {
            await createDomainXapi(ctx.client, domid, { buildMs: ctx.params.buildMs * scale, hotplugMs: ctx.params.hotplugMs * scale, sleep });
          } else {
            await createDomain(ctx.client, domid, { buildMs: ctx.params.buildMs * scale, sleep, nameCheck: ctx.params.nameCheck });
          }
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
