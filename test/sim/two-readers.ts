/**
 * A tiny simulated pipeline for exact-time tests of runner/sim/server.ts:
 * clients `a` and `b` (plus `idle` connections that never send) on one
 * simulated daemon over `trie`; `a` reads twice, `b` once, at time 0. Each
 * request's (start-end) in simulated seconds is logged as `name start-end`
 * ({@link simPipeline} builds such a pipeline for other request patterns).
 */
import { SimClock, SimServer } from '../../runner/sim/index.ts';
import { CostModel } from '../../runner/cost/index.ts';
import type { CostProfile } from '../../runner/cost/index.ts';
import { Daemon } from '../../daemon/index.ts';
import { createEngine } from '../../engines/index.ts';
import { XsClient } from '../../protocol/client.ts';

/** One simulated daemon over `trie` on a fresh clock, and a maker of clients that log each request as `name start-end[ error]`. */
export function simPipeline(profile: CostProfile) {
  const clock = new SimClock();
  const daemon = new Daemon(createEngine('trie'));
  const server = new SimServer(clock, daemon, new CostModel(profile, 'trie'));
  const seen: string[] = [];
  const client = (name: string) => new XsClient(server.connect(0), {
    clock,
    observer: { onRequest: (_type, start, end, error) => seen.push(`${name} ${start.toFixed(3)}-${end.toFixed(3)}${error ? ` ${error}` : ''}`) },
  });
  return { clock, daemon, server, seen, client };
}

/** Runs the two readers under `profile`; returns the log and the server's stats. */
export async function twoReaders(profile: CostProfile, idle = 0): Promise<{ seen: string[]; stats: ReturnType<SimServer['stats']> }> {
  const { clock, daemon, server, seen, client } = simPipeline(profile);
  const a = client('a');
  const b = client('b');
  const idlers = Array.from({ length: idle }, () => client('idle'));
  const done = Promise.all([a.read('/tool/xenstored').then(() => a.read('/tool/xenstored')), b.read('/tool/xenstored')]);
  let finished = false;
  void done.then(() => (finished = true));
  await clock.run(1000, () => finished);
  for (const c of [a, b, ...idlers]) c.close();
  const stats = server.stats();
  daemon.close();
  return { seen, stats };
}
