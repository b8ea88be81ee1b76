/**
 * What a real-time run drives: xstorm's daemon on its own thread over one
 * engine (target `engine`, its files in a scratch directory), or any
 * xenstored behind a Unix socket (target `socket`, whose store outlives the
 * run, so the scenarios' paths are removed first). Either way the same
 * surface: a dom0 client for setup, a connection per actor, and the
 * daemon's figures over the measured window.
 */
import { startDaemonThread } from '../../daemon/thread.ts';
import type { DaemonThread, DaemonThreadStats } from '../../daemon/thread.ts';
import { XsClient } from '../../protocol/client.ts';
import { RingClientTransport } from '../../protocol/ring.ts';
import { connectUnixSocket } from '../../protocol/socket.ts';
import type { XsApi } from '../../protocol/types.ts';
import { makeScratchDir, removeScratchDir } from '../scratch-dir.ts';
import type { Target } from '../types.ts';
import { realClock } from './clock.ts';
import type { ConnectionSpec } from './messages.ts';
import { daemonPidForSocket, readProcStats } from './proc-stats.ts';

/** Paths the scenarios write: removed before a run on an external daemon, whose store outlives runs. */
const SCENARIO_ROOTS = ['/local/domain', '/vm', '/libxl', '/shared', '/bigstore'];

/** The daemon's figures after a run. */
export interface DaemonFigures {
  readonly engineCounters: Record<string, number>;
  readonly daemon: { cpuMs: number | null; rssBytes: number | null };
}

/** An opened target (see the module comment). */
export interface RunTarget {
  /** A dom0 connection for the scenario's setup; the caller closes it. */
  readonly setupClient: XsApi;
  /** The daemon thread (engine targets), for the watchdog. */
  readonly daemon: DaemonThread | undefined;
  /** The connection of an actor of domain `domid`. */
  connectionFor(domid: number): Promise<ConnectionSpec>;
  /** Marks the start of the measured window. */
  markStart(): Promise<void>;
  /** Marks its stop; the daemon thread's stats at both ends (engine targets). */
  markStop(): Promise<{ start: DaemonThreadStats; stop: DaemonThreadStats } | undefined>;
  /** Engine counters and the daemon's CPU and memory, after the run. */
  figures(): Promise<DaemonFigures>;
  /** Stops the daemon thread and removes its files (engine targets). */
  close(): Promise<void>;
}

/** Opens `target`; `onDaemonError` hears of a failing daemon thread. */
export async function openTarget(target: Target, onDaemonError: (error: Error) => void): Promise<RunTarget> {
  return target.kind === 'engine' ? openEngine(target.engine, onDaemonError) : openSocket(target.path);
}

async function openEngine(engine: Extract<Target, { kind: 'engine' }>['engine'], onDaemonError: (error: Error) => void): Promise<RunTarget> {
  const dir = makeScratchDir('xstorm-real-');
  let daemon: DaemonThread;
  try {
    daemon = await startDaemonThread({ engine, engineOptions: { dir } });
  } catch (error) {
    removeScratchDir(dir);
    throw error;
  }
  daemon.onError(onDaemonError);
  let setupClient: XsApi;
  try {
    setupClient = new XsClient(new RingClientTransport(await daemon.attach(0)), { clock: realClock });
  } catch (error) {
    await daemon.stop().catch(() => undefined);
    removeScratchDir(dir);
    throw error;
  }
  let atStart: DaemonThreadStats | undefined;
  return {
    setupClient,
    daemon,
    connectionFor: async (domid) => ({ kind: 'ring', endpoint: await daemon.attach(domid) }),
    async markStart() {
      atStart = await daemon.stats();
    },
    async markStop() {
      const atStop = await daemon.stats();
      return atStart && { start: atStart, stop: atStop };
    },
    async figures() {
      const stats = await daemon.stats();
      return { engineCounters: { ...stats.engineCounters }, daemon: { cpuMs: stats.cpuMs, rssBytes: stats.rssBytes } };
    },
    async close() {
      await daemon.stop().catch(() => undefined);
      removeScratchDir(dir);
    },
  };
}

async function openSocket(path: string): Promise<RunTarget> {
  const setupClient = new XsClient(await connectUnixSocket(path), { clock: realClock });
  try {
    for (const root of SCENARIO_ROOTS) {
      try {
        await setupClient.rm(root);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOENT') throw error;
      }
    }
  } catch (error) {
    setupClient.close();
    throw error;
  }
  let pid: number | null = null;
  let before: { cpuMs: number; rssBytes: number } | null = null;
  return {
    setupClient,
    daemon: undefined,
    connectionFor: async () => ({ kind: 'socket', path }),
    async markStart() {
      pid = daemonPidForSocket(path);
      before = pid ? readProcStats(pid) : null;
    },
    async markStop() {
      return undefined;
    },
    async figures() {
      const after = pid && before ? readProcStats(pid) : null;
      return { engineCounters: {}, daemon: after && before ? { cpuMs: after.cpuMs - before.cpuMs, rssBytes: after.rssBytes } : { cpuMs: null, rssBytes: null } };
    },
    async close() {},
  };
}
