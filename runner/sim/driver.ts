/**
 * The simulated driver: runs a {@link RunPlan} with the scenario's own actor
 * programs (runner/session.ts), xstorm's real daemon and engine, on the
 * discrete-event clock, pricing every request with a cost profile. The same
 * plan, seed and profile give byte-identical results.
 */
import { Daemon } from '../../daemon/index.ts';
import { createEngine, isEngineKind } from '../../engines/index.ts';
import type { EngineStorage } from '../../engines/index.ts';
import { XsClient } from '../../protocol/client.ts';
import type { ClientObserver } from '../../protocol/types.ts';
import type { RunResult } from '../../reports/schema.ts';
import { getScenario } from '../../scenarios/index.ts';
import { CostModel } from '../cost/model.ts';
import { CostProfileError } from '../cost/schema.ts';
import type { CostProfile } from '../cost/schema.ts';
import { loadProfile } from '../cost/load.ts';
import { createRandom } from '../random.ts';
import { buildRunResult } from '../result.ts';
import { runSession } from '../session.ts';
import type { Driver, ProgressListener, RunPlan } from '../types.ts';
import { SimClock } from './clock.ts';
import { SimServer } from './server.ts';
import { makeScratchDir, removeScratchDir } from '../scratch-dir.ts';

/** The simulation could not go on (no event pending, yet the run has not ended). */
export class SimStallError extends Error {
  constructor(atMs: number) {
    super(`simulation stalled at ${(atMs / 1000).toFixed(3)} s: no event pending and the run has not ended (an actor waits for something that never comes)`);
    this.name = 'SimStallError';
  }
}

/** Checks that every counter the profile prices is one the engine reports (a typo would silently cost nothing). */
function checkPricedCounters(model: CostModel, reported: Record<string, number>, profile: CostProfile): void {
  const unknown = model.pricedCounters.filter((name) => !(name in reported));
  if (unknown.length > 0) {
    throw new CostProfileError(profile.name, unknown.map((name) => `engines.${model.engine}.counters.${name}: engine ${model.engine} reports no such counter (it reports ${Object.keys(reported).join(', ')})`));
  }
}

/** Options of {@link runSimulated} beyond the plan. */
export interface SimRunOptions {
  /**
   * Storage of a file-backed engine (`tdb`): `memory` by default, which
   * gives the same results as `file` without paying for real copies (a
   * test proves them byte-identical).
   */
  readonly engineStorage?: EngineStorage;
}

/**
 * Runs one plan on the simulated clock with `profile` and returns its
 * RunResult (`driver: 'sim'`, `profile` = the profile's name).
 */
export async function runSimulated(plan: RunPlan, profile: CostProfile, onProgress?: ProgressListener, options: SimRunOptions = {}): Promise<RunResult> {
  if (plan.target.kind !== 'engine') {
    throw new Error(`the simulated driver runs xstorm's engines only, not ${plan.target.kind} targets`);
  }
  const kind = plan.target.engine;
  if (!isEngineKind(kind)) throw new Error(`unknown engine ${kind}`);
  const scenario = getScenario(plan.scenario);
  const model = new CostModel(profile, kind);
  // Real I/O time is irrelevant here (the profile prices the work the
  // counters report): tdb keeps its files in memory, with the same counters.
  const storage = options.engineStorage ?? 'memory';
  const dir = storage === 'file' ? makeScratchDir('xstorm-sim-') : undefined;
  const engine = createEngine(kind, { storage, ...(dir !== undefined ? { dir } : {}) });
  const daemon = new Daemon(engine);
  try {
    checkPricedCounters(model, engine.counters(), profile);
    const clock = new SimClock();
    const server = new SimServer(clock, daemon, model);
    let clients = 0;
    const makeClient = (domid: number, observer?: ClientObserver) =>
      new XsClient(server.connect(domid), {
        clock,
        ...(observer ? { observer } : {}),
        random: createRandom(plan.seed, `sim-client-${clients++}-${domid}`),
      });
    const setupClient = makeClient(0);
    let finished = false;
    const session = runSession({
      scenario,
      params: plan.params,
      guests: plan.guests,
      seed: plan.seed,
      durationS: plan.durationS,
      clock,
      connect: async (actor, observer) => makeClient(actor.domid, observer),
      setupClient,
      ...(onProgress ? { onProgress } : {}),
    });
    session.then(() => (finished = true), () => (finished = true));
    const end = await clock.run(Infinity, () => finished);
    if (end === 'idle' && !finished) throw new SimStallError(clock.now());
    const outcome = await session;
    setupClient.close();
    const stats = server.stats();
    return buildRunResult({ ...plan, profile: profile.name }, scenario, {
      driver: 'sim',
      snapshot: outcome.snapshot,
      durationS: outcome.durationS,
      engineCounters: engine.counters(),
      daemon: { cpuMs: stats.busyMs, rssBytes: null },
      extra: {
        simDaemonRequests: stats.requests,
        simDaemonBusyMs: stats.busyMs,
        simDaemonUtilisation: outcome.durationS > 0 ? Math.min(1, stats.busyMs / (outcome.durationS * 1000)) : 0,
        simEvents: clock.eventsFired,
      },
    });
  } finally {
    daemon.close();
    if (dir !== undefined) removeScratchDir(dir);
  }
}

/**
 * The simulated {@link Driver} for a profile (built-in name, calibrated
 * name, file path, or an already loaded profile). `xstorm run|sweep
 * --driver sim --profile X` use this.
 */
export function createSimDriver(profile: string | CostProfile): Driver {
  const loaded = typeof profile === 'string' ? loadProfile(profile) : profile;
  return {
    name: 'sim',
    run: (plan, onProgress) => runSimulated(plan, loaded, onProgress),
  };
}
