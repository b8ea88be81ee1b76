/**
 * Every default of `xstorm bench --today`, in one place: the domain
 * counts, the engines and the real daemons they model, the scenarios'
 * parameters, the mechanism's variants, the 2016 replay experiment, the
 * agreement bounds and the time budget.
 */
import type { EngineKind } from '../../engines/index.ts';
import type { PhaseShare } from './budget.ts';
import type { RealDaemonName } from './realxs.ts';

/** A real daemon and the engine that models it. */
export interface DaemonModel {
  readonly daemon: RealDaemonName;
  readonly model: EngineKind;
}

/** One variant of the boot storm for the mechanism: a label and its scenario parameters. */
export interface Variant {
  readonly id: string;
  readonly label: string;
  readonly params: Readonly<Record<string, number | boolean>>;
}

/** The phases, in the order they run. */
export const PHASES = ['sim grid', 'mechanism (sim)', '2016 replay (sim)', 'real daemons', 'mechanism (real)', 'real-daemon profiles'] as const;
export type Phase = (typeof PHASES)[number];

/** The bench's configuration (see {@link TODAY_DEFAULTS} for what each field means). */
export interface TodayConfig {
  readonly seed: number;
  readonly domains: readonly number[];
  readonly engines: readonly EngineKind[];
  readonly daemons: readonly DaemonModel[];
  readonly scenarios: Readonly<Record<'boot-storm' | 'agent-chatter', { readonly params: Readonly<Record<string, number | boolean>>; readonly durationS: number }>>;
  readonly realReps: Readonly<Record<'boot-storm' | 'agent-chatter', number>>;
  readonly mechanism: { readonly domains: number; readonly engine: EngineKind; readonly daemon: RealDaemonName; readonly variants: readonly Variant[] };
  readonly replay2016: {
    readonly domains: readonly number[];
    readonly engines: readonly EngineKind[];
    readonly params: Readonly<Record<string, number | boolean>>;
    readonly published: { readonly domains: number; readonly withoutReplayS: number; readonly withReplayS: number };
  };
  readonly agreementTolerance: number;
  readonly check: { readonly minDomains: number; readonly maxDomains: number; readonly tolerance: number };
  readonly extrapolation: { readonly domains: readonly number[] };
  readonly budgetS: { readonly withRealDaemons: number; readonly simOnly: number };
  readonly shares: { readonly withRealDaemons: readonly PhaseShare[]; readonly simOnly: readonly PhaseShare[] };
}

export const TODAY_DEFAULTS: TodayConfig = {
  seed: 1,
  /** Domains started at once (boot-storm) or running (agent-chatter). */
  domains: [50, 100, 200, 400, 1000],
  /** Today's daemons' models, on the simulated driver with this machine's calibrated costs. */
  engines: ['tdb-pernode', 'trie-replay'],
  daemons: [
    { daemon: 'cxenstored', model: 'tdb-pernode' },
    { daemon: 'oxenstored', model: 'trie-replay' },
  ],
  scenarios: {
    /** The default cap (120 s) ends a run that cannot start everyone. */
    'boot-storm': { params: {}, durationS: 120 },
    /** Agents write every 3 s (timeScale 0.05 of xe-guest-utilities' 60 s) for 3 s while dom0 creates and destroys domains. */
    'agent-chatter': { params: { timeScale: 0.05 }, durationS: 3 },
  },
  /**
   * Repetitions of each real-daemon cell (the budget may allow fewer);
   * figures are their medians. agent-chatter runs a fixed 3 s: once.
   */
  realReps: { 'boot-storm': 3, 'agent-chatter': 1 },
  mechanism: {
    domains: 100,
    engine: 'tdb-pernode',
    daemon: 'cxenstored',
    variants: [
      { id: 'libxl', label: 'libxl: name check, immediate retry', params: {} },
      { id: 'no-name-check', label: 'no name check', params: { nameCheck: false } },
      { id: 'backoff', label: 'backoff 1 ms, doubling to 64 ms, full jitter', params: { backoffMs: 1 } },
      { id: 'precreate', label: 'each domain\'s place under /local/domain, /vm, /libxl and the backends created beforehand', params: { precreate: true } },
    ],
  },
  /**
   * oxenstored's replay-on-conflict commit (2016, FACTS.md §6): "300
   * parallel simulated VM start and shutdowns" took 268.92 s without it and
   * 3.80 s with it. Here: boot-storm with shutdown, `trie` (oxenstored
   * before the commit) vs `trie-replay`, growing to 300.
   */
  replay2016: {
    domains: [50, 100, 200, 300],
    engines: ['trie', 'trie-replay'],
    params: { shutdown: true },
    published: { domains: 300, withoutReplayS: 268.92, withReplayS: 3.8 },
  },
  /** Model vs real daemon: EAGAIN and requests per domain within this fraction. */
  agreementTolerance: 0.2,
  /** Real-daemon profiles: simulated time to start all within this fraction of the real wall time, at these domain counts. */
  check: { minDomains: 50, maxDomains: 300, tolerance: 0.25 },
  /** Beyond this machine, with the real-daemon profiles (marked as extrapolation). */
  extrapolation: { domains: [1000, 10000] },
  /** Wall-clock budget (s) and its split over the phases. */
  budgetS: { withRealDaemons: 300, simOnly: 120 },
  shares: {
    withRealDaemons: [
      { phase: 'sim grid', share: 0.22 },
      { phase: 'mechanism (sim)', share: 0.04 },
      { phase: '2016 replay (sim)', share: 0.2 },
      { phase: 'real daemons', share: 0.3 },
      { phase: 'mechanism (real)', share: 0.06 },
      { phase: 'real-daemon profiles', share: 0.18 },
    ],
    simOnly: [
      { phase: 'sim grid', share: 0.45 },
      { phase: 'mechanism (sim)', share: 0.08 },
      { phase: '2016 replay (sim)', share: 0.47 },
    ],
  },
};
