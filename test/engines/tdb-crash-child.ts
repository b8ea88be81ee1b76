/**
 * Child process of tdb-crash.test.ts: performs seeded transactional commits,
 * refused commits and plain writes/removes on a `tdb` store until it is
 * killed or has done `units` units of work. Before each unit it appends
 * `B <effects>` to the ack log, and `A` once the engine has returned (the
 * acknowledgement); the log is written with synchronous writes, so it
 * survives a SIGKILL exactly as far as it got. `XSTORM_TDB_CRASH` (see
 * engines/tdb/crash.ts) makes the engine kill the process at a named step.
 *
 * Usage: node --import tsx tdb-crash-child.ts <storeDir> <ackLog> <seed> <units>
 */
import * as fs from 'node:fs';
import { isXsError } from '../../engines/common/errors.ts';
import { createTdbEngine } from '../../engines/tdb/index.ts';
import { createRandom } from '../../runner/random.ts';

/** One effect of a unit of work: a write or a recursive remove. */
export type Effect = readonly ['w', string, string] | readonly ['rm', string];

const [dir, ackLog, seedText, unitsText] = process.argv.slice(2);
if (!dir || !ackLog || !seedText || !unitsText) throw new Error('usage: tdb-crash-child <dir> <ackLog> <seed> <units>');
const seed = Number(seedText);
const random = createRandom(seed, 'tdb-crash-child');
const pick = (n: number) => Math.floor(random() * n);
const log = fs.openSync(ackLog, 'a');
const say = (line: string) => fs.writeSync(log, `${line}\n`);

const engine = createTdbEngine({ dir });
process.stdout.write('READY\n');

const LEAVES = ['name', 'memory/target', 'device/vif/0/state', 'device/vbd/768/state', 'data/counter', 'data/stats'];
const randomPath = () => `/local/domain/${pick(12)}/${LEAVES[pick(LEAVES.length)]}`;

for (let unit = 0; unit < Number(unitsText); unit++) {
  const value = `${seed}.${unit}.${'v'.repeat(pick(24))}`;
  const kind = random();
  if (kind < 0.45) {
    // A committed transaction of 1-4 writes, sometimes with a remove.
    const effects: Effect[] = [];
    const n = 1 + pick(4);
    for (let i = 0; i < n; i++) effects.push(['w', randomPath(), `${value}.${i}`]);
    if (random() < 0.2) effects.push(['rm', `/local/domain/${pick(12)}/device`]);
    say(`B ${JSON.stringify(effects)}`);
    const tx = engine.txStart(0);
    for (const e of effects) {
      if (e[0] === 'w') engine.write(0, tx, e[1], e[2]);
      else removeIfParentExists(tx, e[1]);
    }
    engine.txEnd(0, tx, true);
    say('A');
  } else if (kind < 0.6) {
    // A transaction refused because a plain write lands in its window.
    const tx = engine.txStart(0);
    engine.write(0, tx, randomPath(), 'never-committed');
    const outside: Effect = ['w', randomPath(), value];
    say(`B ${JSON.stringify([outside])}`);
    engine.write(0, 0, outside[1], outside[2]);
    say('A');
    say('B []');
    try {
      engine.txEnd(0, tx, true);
      throw new Error('commit after an outside write was accepted');
    } catch (e) {
      if (!isXsError(e, 'EAGAIN')) throw e;
    }
    say('A');
  } else if (kind < 0.9) {
    const effect: Effect = ['w', randomPath(), value];
    say(`B ${JSON.stringify([effect])}`);
    engine.write(0, 0, effect[1], effect[2]);
    say('A');
  } else {
    const effect: Effect = ['rm', `/local/domain/${pick(12)}${random() < 0.5 ? '/device' : ''}`];
    say(`B ${JSON.stringify([effect])}`);
    removeIfParentExists(0, effect[1]);
    say('A');
  }
}
engine.close();

/** rm as the model applies it: a missing node under an existing parent is a no-op; a missing parent is skipped too. */
function removeIfParentExists(tx: number, path: string): void {
  try {
    engine.rm(0, tx, path);
  } catch (e) {
    if (!isXsError(e, 'ENOENT')) throw e;
  }
}
