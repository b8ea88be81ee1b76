/**
 * Helpers shared by the scenario actor programs: paths, guest homes, waits.
 * Everything goes through {@link XsApi} and the injected clock.
 */
import { z } from 'zod';
import type { XsApi } from '../protocol/types.ts';
import type { ActorContext, ActorSpec, SloInput } from './types.ts';

/** Home of a domain: `/local/domain/<domid>`. */
export function domainHome(domid: number): string {
  return `/local/domain/${domid}`;
}

/** Domain id of the guest with index `index` (guests are domains 1..N; dom0 is the toolstack). */
export function guestDomid(index: number): number {
  return index + 1;
}

/** True when `error` is a xenstore error reply with one of `codes` (by errno name). */
export function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}

/**
 * Permissions of a directory the guest writes: owned by dom0, read and
 * write for the guest. (libxl makes the guest the owner; but cxenstored
 * 4.17 refuses to give a node to a domain that does not exist, which is
 * every guest when a real daemon runs without Xen behind its socket, so
 * xstorm grants access with an ACL entry instead. Same access either way.)
 */
export function guestWritable(domid: number): string[] {
  return ['n0', `b${domid}`];
}

/**
 * Creates a running guest's home the way the toolstack leaves it: the home
 * owned by dom0 and readable by the guest, `data/`, `attr/`, `device/`,
 * `control/` writable by the guest, and its name.
 */
export async function createGuestHome(client: XsApi, domid: number): Promise<void> {
  const home = domainHome(domid);
  await client.mkdir(home);
  await client.setPerms(home, ['n0', `r${domid}`]);
  await client.write(`${home}/name`, `guest-${domid}`);
  for (const sub of ['data', 'attr', 'device', 'control']) {
    await client.mkdir(`${home}/${sub}`);
    await client.setPerms(`${home}/${sub}`, guestWritable(domid));
  }
}

/** Creates `/local/domain/0` with dom0's name (the name check reads it). */
export async function createDom0(client: XsApi): Promise<void> {
  await client.write('/local/domain/0/name', 'Domain-0');
}

/** A directory every domain may read and write (shared keys of short-txn, paper-7.1, ...). */
export async function createSharedDir(client: XsApi, path: string): Promise<void> {
  await client.mkdir(path);
  await client.setPerms(path, ['b0']);
}

/**
 * Waits until `path` exists (readable by this actor): watches it and reads
 * on every event, polling every `pollMs` of clock time as a fallback in
 * case an event is missed. Returns false if the run stops first.
 */
export async function waitForNode<P>(ctx: ActorContext<P>, path: string, pollMs: number): Promise<boolean> {
  let wake: (() => void) | undefined;
  ctx.client.onWatchEvent((eventPath) => {
    if (eventPath === path) wake?.();
  });
  await ctx.client.watch(path, `wait:${path}`);
  while (!ctx.stopping()) {
    const woken = new Promise<void>((resolve) => (wake = resolve));
    try {
      await ctx.client.read(path);
      await ctx.client.unwatch(path, `wait:${path}`);
      return true;
    } catch (error) {
      if (!isErrno(error, 'ENOENT', 'EACCES')) throw error;
    }
    await Promise.race([woken, ctx.clock.sleep(pollMs)]);
  }
  return false;
}

/** Loops `body` until the run stops. */
export async function untilStopping<P>(ctx: ActorContext<P>, body: () => Promise<void>): Promise<void> {
  while (!ctx.stopping()) await body();
}

/** Zod field for a non-negative duration in ms. */
export const msField = (defaultMs: number) => z.number().nonnegative().finite().default(defaultMs);

/** Zod field for a fraction in [0, 1]. */
export const fractionField = (defaultValue: number) => z.number().min(0).max(1).default(defaultValue);

/** Zod field for a positive integer. */
export const countField = (defaultValue: number) => z.number().int().positive().default(defaultValue);

/** Creates every guest's home with `keysPerGuest` keys `data/k<i>` set to `'0'`. */
export async function createGuestHomesWithKeys(client: XsApi, guests: number, keysPerGuest: number): Promise<void> {
  for (let i = 0; i < guests; i++) {
    const domid = guestDomid(i);
    await createGuestHome(client, domid);
    for (let k = 0; k < keysPerGuest; k++) await client.write(`${domainHome(domid)}/data/k${k}`, '0');
  }
}

/** Statement of {@link evaluateLatencySlo}, for scenarios that use it. */
export const LATENCY_SLO = 'no actor class livelocked, no guest starved, p99 logical-transaction latency ≤ p99Ms (default 100 ms)';

/**
 * `guests` guest actors (`guest-<i>`, domid from {@link guestDomid}) that
 * each loop `iteration` until the run ends; `iteration` is also exposed for
 * the open model, which calls it once per arrival.
 */
export function loopingGuests<P>(guests: number, iteration: (ctx: ActorContext<P>) => Promise<void>): ActorSpec<P>[] {
  return Array.from({ length: guests }, (_, index) => ({
    ...guestActor(index, async (ctx: ActorContext<P>) => {
      while (!ctx.stopping()) await iteration(ctx);
    }),
    iteration,
  }));
}

/** The guest actor at `index` (`guest-<i>`, domid from {@link guestDomid}) running `program`. */
export function guestActor<P>(index: number, program: (ctx: ActorContext<P>) => Promise<void>): ActorSpec<P> {
  return { id: `guest-${index}`, actorClass: 'guest', domid: guestDomid(index), index, isGuest: true, program };
}

/** The common SLO: nobody livelocked, no guest starved, p99 logical-transaction latency within a bound. */
export function evaluateLatencySlo(input: SloInput, p99Ms: number): { ok: boolean; detail: string } {
  const problems: string[] = [];
  if (input.livelocked) problems.push('livelocked');
  if (input.starved > 0) problems.push(`${input.starved} guest(s) starved`);
  if (input.latencyP99Ms > p99Ms) problems.push(`p99 ${input.latencyP99Ms.toFixed(2)} ms > ${p99Ms} ms`);
  if (input.commits === 0) problems.push('no commits');
  return problems.length
    ? { ok: false, detail: problems.join(', ') }
    : { ok: true, detail: `p99 ${input.latencyP99Ms.toFixed(2)} ms ≤ ${p99Ms} ms, no livelock, no starved guest` };
}
