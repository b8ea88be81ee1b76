/**
 * agent-chatter: N running guests' agents (like xe-guest-utilities) write
 * their `data/` and `attr/` keys periodically without transactions, while
 * dom0 repeatedly creates and destroys a domain (libxl traffic, a
 * documented stand-in, FACTS.md §5). Judges whether dom0's domain
 * operations stay fast under the chatter.
 */
import { z } from 'zod';
import type { ActorSpec, Scenario } from './types.ts';
import { createDom0, createGuestHome, domainHome, guestDomid, msField } from './common.ts';
import { createDomain, destroyDomain } from './libxl.ts';

const Params = z.strictObject({
  /** Period of each agent's writes (ms; ~60 s for xe-guest-utilities). */
  intervalMs: msField(60000),
  /** Multiplies the agents' period. */
  timeScale: z.number().positive().default(1),
  /** Keys written per agent round (half under data/, half under attr/). */
  keysPerRound: z.number().int().positive().default(6),
  /** SLO bound on dom0's p99 logical-transaction latency (ms). */
  p99Ms: z.number().positive().default(1000),
});
export type AgentChatterParams = z.infer<typeof Params>;

/** Domain ids the toolstack cycles through: well above the guests', below DOMID_FIRST_RESERVED (0x7ff0). */
const TOOLSTACK_DOMID_BASE = 20000;

export const agentChatter: Scenario<AgentChatterParams> = {
  name: 'agent-chatter',
  description: 'N guest agents write data/ and attr/ keys periodically (no transactions) while dom0 creates and destroys domains (libxl traffic, a documented stand-in, FACTS.md §5).',
  params: Params,
  defaultGuests: 32,
  defaultDurationS: 30,
  slo: 'dom0 completes at least one domain operation, is not livelocked, and its p99 transaction latency ≤ p99Ms (default 1000 ms)',
  endWhenDone: [],
  async setup({ client, guests }) {
    await createDom0(client);
    await client.mkdir('/vm');
    await client.mkdir('/libxl');
    for (let i = 0; i < guests; i++) await createGuestHome(client, guestDomid(i));
  },
  actors(_params, guests) {
    const actors: ActorSpec<AgentChatterParams>[] = [{
      id: 'toolstack', actorClass: 'toolstack', domid: 0, index: 0, isGuest: false,
      async program(ctx) {
        for (let n = 0; !ctx.stopping(); n++) {
          const domid = TOOLSTACK_DOMID_BASE + (n % 10000);
          await createDomain(ctx.client, domid, { buildMs: 0, sleep: (ms) => ctx.clock.sleep(ms), nameCheck: true });
          await destroyDomain(ctx.client, domid);
          ctx.record('domainOps', n + 1);
        }
      },
    }];
    for (let index = 0; index < guests; index++) {
      actors.push({
        id: `guest-${index}`, actorClass: 'agent', domid: guestDomid(index), index, isGuest: false,
        async program(ctx) {
          const home = domainHome(ctx.domid);
          const period = ctx.params.intervalMs * ctx.params.timeScale;
          await ctx.clock.sleep(ctx.random() * period);
          for (let round = 0; !ctx.stopping(); round++) {
            for (let k = 0; k < ctx.params.keysPerRound; k++) {
              const dir = k % 2 === 0 ? 'data' : 'attr';
              await ctx.client.write(`${home}/${dir}/key${k}`, `${round}`);
            }
            await ctx.clock.sleep(period);
          }
        },
      });
    }
    return actors;
  },
  evaluate(input, params) {
    const ops = (input.events['domainOps'] ?? []).length;
    const problems: string[] = [];
    if (ops === 0) problems.push('no domain operation completed');
    if (input.livelocked) problems.push('livelocked');
    if (input.latencyP99Ms > params.p99Ms) problems.push(`p99 ${input.latencyP99Ms.toFixed(2)} ms > ${params.p99Ms} ms`);
    return { ok: problems.length === 0, detail: `${ops} ${CYCLES_TEXT}${problems.length ? `: ${problems.join(', ')}` : `, p99 ${input.latencyP99Ms.toFixed(2)} ms`}` };
  },
};

const CYCLES_TEXT = 'domain create+destroy cycles';

/** dom0's completed create+destroy cycles, read back from a run's SLO detail (written by `evaluate` above); null if absent. */
export function domainCycles(sloDetail: string): number | null {
  const match = /^(\d+) domain create\+destroy cycles/.exec(sloDetail);
  return match ? Number(match[1]) : null;
}
