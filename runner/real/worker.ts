/**
 * A real-time driver worker thread: hosts a slice of a run's actors
 * (many per thread), each on its own connection (a ring to the daemon
 * thread, or a Unix socket), and reports heartbeats, finished actors and
 * finally its metrics snapshot. Loaded through runner/worker-bootstrap.js.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { XsClient } from '../../protocol/client.ts';
import { RingClientTransport, ringClientWakes } from '../../protocol/ring.ts';
import { performance } from 'node:perf_hooks';
import { connectUnixSocket } from '../../protocol/socket.ts';
import type { ClientTransport } from '../../protocol/types.ts';
import { getScenario } from '../../scenarios/index.ts';
import type { AnyScenario } from '../../scenarios/types.ts';
import { hostActors } from '../session.ts';
import type { ActorHost } from '../session.ts';
import { realClock } from './clock.ts';
import type { MainToWorker, WorkerInit, WorkerToMain } from './messages.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (msg: WorkerToMain): void => port.postMessage(msg);
const stopFlag = new Int32Array(init.stopFlag);

let startOrigin: (originMs: number) => void = () => {};
const started = new Promise<number>((resolve) => (startOrigin = resolve));
let host: ActorHost | undefined;
let collectRequest: Extract<MainToWorker, { type: 'collect' }> | undefined;
let wakeCollect: () => void = () => {};
const collectAsked = new Promise<void>((resolve) => (wakeCollect = resolve));

/**
 * This thread's event-loop activity and ring wake-ups over the measured
 * window (from 'start' to 'collect'): what calibration prices the client
 * threads from.
 */
let windowStart: { elu: ReturnType<typeof performance.eventLoopUtilization>; wakes: number } | undefined;
let windowFigures: { activeMs: number; wakes: number } | undefined;

port.on('message', (msg: MainToWorker) => {
  if (msg.type === 'start') {
    windowStart = { elu: performance.eventLoopUtilization(), wakes: ringClientWakes() };
    startOrigin(msg.originMs);
  } else if (msg.type === 'collect') {
    if (windowStart) {
      windowFigures = { activeMs: performance.eventLoopUtilization(windowStart.elu).active, wakes: ringClientWakes() - windowStart.wakes };
    }
    collectRequest = msg;
    wakeCollect();
  }
});

const heartbeat = setInterval(() => {
  const totals = host?.recorder.totals() ?? { requests: 0, commits: 0, eagain: 0, events: {} };
  post({ type: 'heartbeat', ...totals });
}, init.heartbeatMs);

process.on('unhandledRejection', (reason) => {
  post({ type: 'fatal', error: `unhandled rejection: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}` });
});

async function transportFor(actorId: string): Promise<ClientTransport> {
  const spec = init.connections[actorId];
  if (!spec) throw new Error(`no connection for actor ${actorId}`);
  if (spec.kind === 'ring') return new RingClientTransport(spec.endpoint);
  // A real daemon accepts slowly (small listen backlog): a burst of connects meets EAGAIN; retry with backoff.
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectUnixSocket(spec.path);
    } catch (error) {
      if (attempt >= 100 || !/EAGAIN/.test((error as Error).message)) throw error;
      await sleep(Math.min(200, 5 * (attempt + 1)));
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

try {
  const positions = new Set(init.positions);
  const scenario = init.scenarioModule
    ? ((await import(init.scenarioModule)) as { scenario: AnyScenario }).scenario
    : getScenario(init.scenario);
  host = await hostActors({
    scenario,
    params: init.params,
    guests: init.guests,
    seed: init.seed,
    clock: realClock,
    bucketMs: init.bucketMs,
    select: (_actor, i) => positions.has(i),
    isStopping: () => Atomics.load(stopFlag, 0) === 1,
    ...(init.arrivalRatePerActor ? { arrivalRatePerActor: init.arrivalRatePerActor } : {}),
    originMs: () => {
      post({ type: 'connected' });
      return started;
    },
    connect: async (actor, observer) => new XsClient(await transportFor(actor.id), { clock: realClock, observer }),
    onActorDone: (actor, error) => post({ type: 'actorDone', actorId: actor.id, actorClass: actor.actorClass, ...(error ? { error: error.message } : {}) }),
  });
  await collectAsked;
  const request = collectRequest!;
  host.recorder.close(request.stopMs);
  await Promise.race([host.settled, sleep(request.graceMs)]);
  host.close();
  await Promise.race([host.settled, sleep(1000)]);
  post({ type: 'snapshot', snapshot: host.recorder.snapshot(), ...(windowFigures ? { thread: windowFigures } : {}) });
} catch (error) {
  post({ type: 'fatal', error: error instanceof Error ? error.stack ?? error.message : String(error) });
} finally {
  clearInterval(heartbeat);
}
