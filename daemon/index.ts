/**
 * daemon/: xstorm's xenstore daemon — single-threaded request dispatch over
 * any engine (a handler table, daemon/handlers/), watches, transactions,
 * quotas and per-engine limits, time-based policy behind one `tick` —
 * plus its hosts: a Unix socket server (`xstorm serve`) and a worker
 * thread serving rings. This file is the folder's public face; see
 * daemon/README.md.
 */
export { Daemon } from './daemon.ts';
export type { DaemonConnection, ConnectOptions } from './daemon.ts';
export { DAEMON_DEFAULTS, daemonOptionsSchema, resolveDaemonOptions } from './options.ts';
export type { DaemonOptions, SerializableDaemonOptions, LogLevel } from './options.ts';
export { ENGINE_LIMITS, defaultMaxOpenTransactions } from './limits.ts';
export type { EngineLimits, PathLimit, PathMeasure } from './limits.ts';
export type { DaemonStats } from './stats.ts';
export { serveDaemonOnSocket } from './socket-host.ts';
export type { DaemonSocketServer, SocketHostOptions } from './socket-host.ts';
export { startDaemonThread } from './thread.ts';
export type { DaemonThread, DaemonThreadOptions, DaemonThreadStats } from './thread.ts';
