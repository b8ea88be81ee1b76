/**
 * The socket target against the real daemons of ../shared/realxs (skips
 * with the reason when they are not set up): the same guests over Unix
 * sockets (all connections are dom0 there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRealDriver } from '../../runner/real/index.ts';
import { RunResultSchema } from '../../reports/schema.ts';
import { getScenario, validateParams } from '../../scenarios/index.ts';
import { REALXS_TOOLS, realxsSkipReason } from '../helpers/realxs.ts';

const skip = realxsSkipReason();
if (skip) process.stdout.write(`# skipping socket-target tests: ${skip}\n`);

for (const daemon of ['oxenstored', 'cxenstored'] as const) {
  test(`short-txn and paper-7.3 over the socket of the real ${daemon}`, { skip: skip ?? false }, async () => {
    const dir = mkdtempSync(join(tmpdir(), `xs-st-${daemon.slice(0, 2)}-`));
    const pid = execFileSync(`${REALXS_TOOLS}/start.sh`, [daemon, dir], { encoding: 'utf8' }).trim();
    try {
      const target = { kind: 'socket' as const, path: join(dir, 'socket'), label: daemon };
      const driver = createRealDriver({ workers: 1 });
      const short = await driver.run({ scenario: 'short-txn', params: validateParams(getScenario('short-txn'), {}), guests: 2, seed: 1, durationS: 1, target, rep: 0 });
      RunResultSchema.parse(short);
      assert.equal(short.engine, `socket:${daemon}`);
      assert.ok(short.commits > 0);
      assert.equal(short.otherErrors, 0);
      assert.deepEqual(short.engineCounters, {});
      const p73 = await driver.run({ scenario: 'paper-7.3', params: validateParams(getScenario('paper-7.3'), { timeScale: '0.01' }), guests: 2, seed: 1, durationS: 12, target, rep: 0 });
      assert.equal(p73.guestStarts?.length, 2);
      assert.equal(p73.sustained, true, p73.slo.detail);
    } finally {
      execFileSync(`${REALXS_TOOLS}/stop.sh`, [pid]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
