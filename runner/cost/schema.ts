/**
 * The cost profile format: what one request costs the simulated daemon, per
 * engine, as a price per unit of each engine work counter, plus the
 * transport's latency. Built-in profiles live in `profiles/*.json`;
 * `xstorm calibrate` writes new ones. Validated strictly: unknown keys are
 * errors, and every problem is reported at once.
 */
import { z } from 'zod';
import { ENGINE_KINDS } from '../../engines/types.ts';
import type { EngineKind } from '../../engines/types.ts';

/** Version of the profile format. */
export const PROFILE_VERSION = 1;

const Micros = z.number().finite().nonnegative();

/** Costs of one engine behind the daemon. */
export const EngineCostsSchema = z.strictObject({
  /**
   * Daemon CPU per request independent of the engine's work: reading the
   * request from the socket or ring, decoding, dispatch, writing the reply
   * (µs).
   */
  requestBaseUs: Micros,
  /** µs per unit of each engine counter's increase during the request (counters not named cost nothing). */
  counters: z.record(z.string().min(1), Micros),
  /** Where each price comes from (counter name or `requestBaseUs` → source ids / reasoning). */
  notes: z.record(z.string(), z.string()).optional(),
  /**
   * This engine in the real-time pipeline (calibrated profiles): its work
   * measured inside the daemon thread while the client threads run, as a
   * factor on the in-process prices above (`serviceScale`: file work, for
   * one, costs more beside busy threads of the same process), and the
   * client and daemon threads' prices measured with this engine (they
   * replace `client.perRequestUs`/`wakeUs` and `daemon.perRequestUs`/`wakeUs`).
   */
  pipeline: z.strictObject({
    serviceScale: z.number().finite().positive(),
    clientPerRequestUs: Micros,
    clientWakeUs: Micros,
    daemonPerRequestUs: Micros,
    daemonWakeUs: Micros,
  }).optional(),
});
export type EngineCosts = z.infer<typeof EngineCostsSchema>;

/**
 * A named variant of a profile: the prices of one end of one of its
 * unknowns (e.g. the TDB copy bandwidth at the slow end of what the paper's
 * §7.1 allows), as overrides of the profile's engine prices. `xstorm bench`
 * runs the §7.3 prediction under each variant to show the result as a band
 * (runner/cost/variants.ts applies one).
 */
export const ProfileVariantSchema = z.strictObject({
  /** Lower-case id, unique in the profile; the variant profile is named `<profile>~<id>`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits or "-"'),
  /** The unknown this variant is one end of (e.g. `copy-bandwidth`, `request-base`, `layout`). */
  unknown: z.string().min(1),
  /** One line: what this end assumes. */
  label: z.string().min(1),
  /** Parameters of paper-7.1 under which the variant's prices were fitted (e.g. `layout`), for the record and for re-checks. */
  p71Params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** Price overrides per engine. */
  engines: z.record(z.string(), z.strictObject({
    requestBaseUs: Micros.optional(),
    counters: z.record(z.string().min(1), Micros).optional(),
  })),
});
export type ProfileVariant = z.infer<typeof ProfileVariantSchema>;

/** One cited source. */
export const SourceSchema = z.strictObject({
  id: z.string().min(1),
  /** Bibliographic reference or file path with version. */
  citation: z.string().min(1),
  /** The fact taken from it. */
  fact: z.string().min(1),
});

export const CostProfileSchema = z
  .strictObject({
    profileVersion: z.literal(PROFILE_VERSION),
    /** Lower-case name, e.g. `xen-2009`, `calibrated-myhost`, `xen-2009~copy-slow` (a variant). */
    name: z.string().regex(/^[a-z0-9][a-z0-9._~-]*$/, 'lower-case letters, digits, ".", "_", "~" or "-"'),
    description: z.string().min(1),
    /** The machine the costs describe. */
    machine: z.strictObject({
      os: z.string().min(1),
      cpu: z.string().min(1),
      cpuCount: z.number().int().positive().nullable(),
      node: z.string().nullable(),
      notes: z.string().optional(),
    }),
    createdAt: z.string().optional(),
    sources: z.array(SourceSchema),
    /** One-way transport between a client and the daemon (not daemon CPU): latency and per byte (µs). */
    transport: z.strictObject({ latencyUs: Micros, perByteUs: Micros }),
    /**
     * CPU of the threads that host the clients, when they are a shared
     * resource (the real-time driver hosts many guests per worker thread):
     * each request costs `perRequestUs` on thread (actor index mod
     * `threads`) before it leaves. Absent: every client has its own CPU (real
     * guests are separate VMs), as in xen-2009.
     */
    client: z.strictObject({
      perRequestUs: Micros,
      threads: z.number().int().positive(),
      /**
       * Extra CPU when a request finds its client thread asleep (an event-loop
       * wake-up: the bell, the turn, the timers), µs. Requests that find the
       * thread busy share that wake-up, so the price per request falls as the
       * thread's batches grow (0: no such cost).
       */
      wakeUs: Micros.optional(),
    }).optional(),
    /**
     * Wake-ups of the modelled threads (client turns, daemon iterations):
     * `latencyUs` passes between the bell and a sleeping thread running (the
     * scheduler's wake-up, not CPU of either thread), and `leadFraction` of
     * a wake-up's CPU is spent before the thread's first request or reply
     * leaves (the rest after: the loop's bookkeeping). Default: no latency,
     * all of it before.
     */
    wake: z.strictObject({ latencyUs: Micros, leadFraction: z.number().min(0).max(1) }).optional(),
    /**
     * The daemon thread: CPU per byte of request and reply (copying through
     * the socket/ring), its loop's overhead per request outside the engine
     * (reading rings, flushing replies: `perRequestUs`, default 0) and the
     * cost of waking it when a request finds it asleep (`wakeUs`, default 0), µs.
     * `iterations`: the daemon works in loop iterations, like xstorm's daemon
     * thread: an iteration serves the requests that had arrived when it
     * began, and their replies leave together at its end (default false:
     * each reply leaves when its request is served).
     */
    daemon: z.strictObject({ perByteUs: Micros, perRequestUs: Micros.optional(), wakeUs: Micros.optional(), iterations: z.boolean().optional() }),
    /** Costs per engine kind; a run on an engine missing here is refused. */
    engines: z.record(z.string(), EngineCostsSchema),
    /** How free parameters were fitted (documentation; not used for pricing). */
    fit: z.record(z.string(), z.unknown()).optional(),
    /** Named variants: the ends of the profile's unknowns (see {@link ProfileVariantSchema}). */
    variants: z.array(ProfileVariantSchema).optional(),
  })
  .superRefine((profile, ctx) => {
    for (const kind of Object.keys(profile.engines)) {
      if (!(ENGINE_KINDS as readonly string[]).includes(kind)) {
        ctx.addIssue({ code: 'custom', path: ['engines', kind], message: `unknown engine kind; expected one of ${ENGINE_KINDS.join(', ')}` });
      }
    }
    const ids = new Set<string>();
    profile.sources.forEach((s, i) => {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicate source id ${s.id}` });
      ids.add(s.id);
    });
    const variantIds = new Set<string>();
    (profile.variants ?? []).forEach((v, i) => {
      if (variantIds.has(v.id)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'id'], message: `duplicate variant id ${v.id}` });
      variantIds.add(v.id);
      for (const kind of Object.keys(v.engines)) {
        if (!profile.engines[kind]) ctx.addIssue({ code: 'custom', path: ['variants', i, 'engines', kind], message: `the profile prices no engine "${kind}"` });
      }
    });
  });
export type CostProfile = z.infer<typeof CostProfileSchema>;

/** A profile that failed validation; `issues` lists every problem, one per line. */
export class CostProfileError extends Error {
  readonly issues: readonly string[];

  constructor(origin: string, issues: readonly string[]) {
    super(`invalid cost profile ${origin}:\n  ${issues.join('\n  ')}`);
    this.name = 'CostProfileError';
    this.issues = issues;
  }
}

/** Validates a parsed JSON value as a profile; throws {@link CostProfileError} listing every issue. */
export function parseProfile(value: unknown, origin = '(inline)'): CostProfile {
  const parsed = CostProfileSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(profile)'}: ${issue.message}`);
  throw new CostProfileError(origin, issues);
}

/** The costs of `engine` in `profile`, or a clear error. */
export function engineCosts(profile: CostProfile, engine: EngineKind | string): EngineCosts {
  const costs = profile.engines[engine];
  if (!costs) {
    throw new CostProfileError(profile.name, [`engines.${engine}: profile prices no engine "${engine}" (it prices ${Object.keys(profile.engines).join(', ') || 'none'})`]);
  }
  return costs;
}
