/**
 * `xstorm serve`: xstorm's daemon in the foreground on a Unix socket, for
 * any xenstore client (Debian's xenstore-* tools, Xen's test-xenstore,
 * xsload, xstorm's own socket target). Log lines go to stderr; SIGINT or
 * SIGTERM shut it down cleanly (socket file removed, engine closed so a
 * file-backed store is consistent).
 */
import type { CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import * as nodePath from 'node:path';
import { UserError } from '../user-error.ts';

interface ServeArgs {
  engine: string;
  socket?: string;
  dir?: string;
  'max-nodes-per-domain'?: number;
  quiet: boolean;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run xstorm\'s xenstore daemon on a Unix socket (foreground; Ctrl-C stops it)',
  builder: (y) =>
    y
      .usage(
        '$0 serve --engine <kind> [--socket <path>] [--dir <store dir>]\n\n' +
          'Serves one engine over the xenstore wire protocol on a Unix socket. Every socket\n' +
          'client is the privileged dom0, as on a Xen host. Point clients at it with\n' +
          'XENSTORED_PATH=<path>.',
      )
      .option('engine', { type: 'string', demandOption: true, describe: 'engine kind: tdb, trie, tdb-pernode, trie-replay' })
      .option('socket', { type: 'string', describe: 'socket path (default: $XENSTORED_PATH or /var/run/xenstored/socket)' })
      .option('dir', { type: 'string', describe: 'where a file-backed engine keeps its store (default: a temp dir removed on exit)' })
      .option('max-nodes-per-domain', { type: 'number', describe: 'node quota of unprivileged domains (engine option)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'log only warnings and errors' })
      .example('mkdir -p /tmp/xs && $0 serve --engine trie --socket /tmp/xs/socket', 'then: XENSTORED_PATH=/tmp/xs/socket xenstore-ls (Debian: apt-get install xenstore-utils)')
      .strict(),
  handler: async (argv) => {
    const { createEngine, isEngineKind, isXsError, ENGINE_KINDS } = await import('../../engines/index.ts');
    const { Daemon, serveDaemonOnSocket } = await import('../../daemon/index.ts');
    const { defaultSocketPath } = await import('../../protocol/socket.ts');
    if (!isEngineKind(argv.engine)) {
      throw new UserError(`unknown engine ${JSON.stringify(argv.engine)}; expected one of ${ENGINE_KINDS.join(', ')}`);
    }
    const maxNodes = argv['max-nodes-per-domain'];
    if (maxNodes !== undefined && (!Number.isInteger(maxNodes) || maxNodes < 1)) {
      throw new UserError('--max-nodes-per-domain must be a positive integer');
    }
    const socketPath = argv.socket ?? defaultSocketPath();
    if (Buffer.byteLength(socketPath) > 107) throw new UserError(`socket path longer than 107 bytes: ${socketPath}`);

    const log = (level: string, message: string): void => {
      if (argv.quiet && level === 'info') return;
      process.stderr.write(`${new Date().toISOString()} xstorm serve: ${level}: ${message}\n`);
    };
    let engine;
    try {
      engine = createEngine(argv.engine, {
        ...(argv.dir !== undefined ? { dir: argv.dir } : {}),
        ...(maxNodes !== undefined ? { maxNodesPerDomain: maxNodes } : {}),
      });
    } catch (error) {
      // A store directory the engine cannot use is the user's input (EINVAL from the engine).
      if (isXsError(error, 'EINVAL')) throw new UserError(`--dir ${argv.dir ?? '(temp dir)'}: ${error.message}`);
      throw error;
    }
    const daemon = new Daemon(engine, { log });
    let server;
    try {
      server = await serveDaemonOnSocket(daemon, socketPath, { log: (m) => log('warn', m) });
    } catch (error) {
      daemon.close();
      const missingDir = existsSync(nodePath.dirname(socketPath)) ? '' : ` (its directory does not exist: mkdir -p ${nodePath.dirname(socketPath)})`;
      throw new UserError(`cannot listen on ${socketPath}: ${(error as Error).message}${missingDir}`);
    }
    log('info', `engine ${argv.engine} serving ${socketPath} (pid ${process.pid})`);

    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        log('info', `${signal}: shutting down`);
        void server.close().then(() => {
          const s = daemon.stats();
          daemon.close();
          log('info', `stopped after ${s.requests} requests (${s.errors} errors, ${s.watchEvents} watch events, ${s.connectionsTotal} connections)`);
          resolve();
        });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  },
};
