/**
 * boot-storm: N domains started in parallel (one toolstack worker per
 * domain, each with libxl's traffic, FACTS.md §5 — a documented stand-in
 * for a toolstack), and each guest brings its front-ends up once unpaused.
 * Optionally `runningGuests` already-running domains chatter meanwhile.
 *
 * Variants for finding out why starts conflict (`xstorm bench --today`):
 * without the name check, with a backoff instead of libxl's immediate
 * retry, with each domain's place under the shared directories created
 * beforehand; and `shutdown`, where each worker stops its domain once
 * started (the 2016 oxenstored replay commit's "300 parallel VM start and
 * shutdowns", FACTS.md §6).
 */
import { z } from 'zod';
import type { RetryPolicy } from '../protocol/types.ts';
import type { ActorSpec, Scenario } from './types.ts';
import { createDom0, createGuestHome, domainHome, guestActor, guestDomid, msField } from './common.ts';
import { createDomain, destroyDomain, frontendsConnect, precreateDomainPlaces, startedMarker } from './libxl.ts';
import { waitForNode } from './common.ts';

const Params = z.strictObject({
  /** Already-running domains (not counted as guests) whose agents write data/ meanwhile. */
  runningGuests: z.number().int().nonnegative().default(0),
  /** Period of the running domains' agent writes (ms). */
  chatterMs: msField(1000),
  /** Whether each start runs libxl's name check. */
  nameCheck: z.boolean().default(true),
  /** Cap (s) within which every domain must be started. */
  capS: z.number().positive().default(120),
  /** Fallback poll of a waiting guest for its start marker (ms). */
  startPollMs: msField(10000),
  /**
   * The toolstack's answer to EAGAIN: 0 retries at once (libxl); > 0 sleeps
   * a random time below `backoffMs`, doubling per attempt up to 64 × (full jitter).
   */
  backoffMs: msField(0),
  /**
   * What-if: setup creates every domain's home, `/vm/<uuid>`, `/libxl/<id>`
   * and backend directories, so a start adds no child to a directory that
   * other starts change too.
   */
  precreate: z.boolean().default(false),
  /**
   * Each worker stops (destroys) its domain once started, and guests do not
   * bring front-ends up (the domains are simulated VMs, as in the 2016
   * replay commit's start/shutdown test). The run ends when all are stopped.
   */
  shutdown: z.boolean().default(false),
});
export type BootStormParams = z.infer<typeof Params>;

/** The toolstack's retry policy for `backoffMs` (undefined: the client's immediate retry). */
export function toolstackRetry(backoffMs: number): RetryPolicy | undefined {
  return backoffMs > 0 ? { kind: 'backoff', initialMs: backoffMs, maxMs: 64 * backoffMs, factor: 2 } : undefined;
}

/** Running domains get ids after the booting ones. */
const runningDomid = (guests: number, j: number) => guests + 1 + j;

export const bootStorm: Scenario<BootStormParams> = {
  name: 'boot-storm',
  description: 'Starts N domains in parallel (libxl 4.4 traffic per start, a documented stand-in, FACTS.md §5); each guest connects its front-ends when unpaused.',
  params: Params,
  defaultGuests: 16,
  defaultDurationS: 120,
  slo: 'every domain started (and, with shutdown, stopped) within capS (default 120 s)',
  endWhenDone: ['toolstack', 'guest'],
  durationS(params) {
    return params.capS;
  },
  async setup({ client, params, guests }) {
    await createDom0(client);
    await client.mkdir('/vm');
    await client.mkdir('/libxl');
    for (let j = 0; j < params.runningGuests; j++) await createGuestHome(client, runningDomid(guests, j));
    if (params.precreate) for (let i = 0; i < guests; i++) await precreateDomainPlaces(client, guestDomid(i));
  },
  actors(params, guests) {
    const actors: ActorSpec<BootStormParams>[] = [];
    for (let index = 0; index < guests; index++) {
      actors.push({
        id: `toolstack-${index}`, actorClass: 'toolstack', domid: 0, index, isGuest: false,
        async program(ctx) {
          const domid = guestDomid(ctx.index);
          const retry = toolstackRetry(ctx.params.backoffMs);
          await createDomain(ctx.client, domid, { buildMs: 0, sleep: (ms) => ctx.clock.sleep(ms), nameCheck: ctx.params.nameCheck, ...(retry ? { retry } : {}) });
          ctx.record('guestStarted', ctx.index + 1);
          if (ctx.params.shutdown) {
            await destroyDomain(ctx.client, domid, retry);
            ctx.record('guestStopped', ctx.index + 1);
          }
        },
      });
      actors.push(guestActor(index, async (ctx) => {
        if (ctx.params.shutdown) return;
        if (await waitForNode(ctx, startedMarker(ctx.domid), ctx.params.startPollMs)) await frontendsConnect(ctx.client, ctx.domid);
      }));
    }
    for (let j = 0; j < params.runningGuests; j++) {
      actors.push({
        id: `running-${j}`, actorClass: 'agent', domid: runningDomid(guests, j), index: j, isGuest: false,
        async program(ctx) {
          const data = `${domainHome(ctx.domid)}/data`;
          await ctx.clock.sleep(ctx.random() * ctx.params.chatterMs);
          for (let n = 0; !ctx.stopping(); n++) {
            await ctx.client.write(`${data}/updated`, String(n));
            await ctx.clock.sleep(ctx.params.chatterMs);
          }
        },
      });
    }
    return actors;
  },
  evaluate(input, params) {
    const starts = input.events['guestStarted'] ?? [];
    const last = starts.length ? Math.max(...starts.map((s) => s.tS)) : 0;
    const detail = `${starts.length} of ${input.guests} domains started${starts.length ? ` (last at ${last.toFixed(2)} s)` : ''}, cap ${params.capS} s`;
    if (!params.shutdown) return { ok: starts.length >= input.guests && last <= params.capS, detail };
    const stops = input.events['guestStopped'] ?? [];
    const lastStop = stops.length ? Math.max(...stops.map((s) => s.tS)) : 0;
    return {
      ok: stops.length >= input.guests && lastStop <= params.capS,
      detail: `${detail}; ${stops.length} stopped${stops.length ? ` (last at ${lastStop.toFixed(2)} s)` : ''}`,
    };
  },
};
