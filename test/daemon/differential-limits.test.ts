/**
 * Path length limits against the real Xen 4.17 daemons (../shared/realxs):
 * `xstorm serve --engine tdb-pernode` must answer exactly like cxenstored
 * 4.17 and `--engine trie-replay` exactly like oxenstored 4.17 (Debian's
 * `quota-path-max = 1024`) for long store and watch paths around every
 * limit, absolute, below `/local/domain/<id>/` and relative. (`tdb` and
 * `trie` model the 2009 daemons, whose limits differ on purpose:
 * test/daemon/limits.test.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodePathValue, encodeStrings } from '../../protocol/codec.ts';
import { XsType } from '../../protocol/wire.ts';
import { realxsSkipReason } from '../helpers/realxs.ts';
import { longPath } from './harness.ts';
import { RawConn, startRealDaemon, startXstormServe } from './servers.ts';
import type { RunningDaemon } from './servers.ts';

const skip = realxsSkipReason();
if (skip) console.log(`# skipping path-limit differential test against the real daemons: ${skip}`);

const PREFIXES = ['/', '/local/domain/0/', '/local/domain/5/', '/local/domain/12345/', '/local/domain/123456/', '/local/domain/1234567890/', '/local/domain/', '/local/domain/abc/'];
const LENGTHS = [1023, 1024, 1025, 2047, 2048, 2049, 3072, 3073];

/** Every case: a name and the request to send. */
function cases(): [string, number, Uint8Array][] {
  const out: [string, number, Uint8Array][] = [];
  for (const prefix of PREFIXES) {
    for (const below of LENGTHS) {
      const p = longPath(prefix.length + below, prefix);
      out.push([`WRITE ${prefix}+${below}`, XsType.WRITE, encodePathValue(p, 'v')]);
      out.push([`READ ${prefix}+${below}`, XsType.READ, encodeStrings(p)]);
    }
  }
  for (const n of LENGTHS) {
    const rel = longPath(n + 1).slice(1);
    out.push([`WRITE relative ${n}`, XsType.WRITE, encodePathValue(rel, 'v')]);
    out.push([`MKDIR ${n}`, XsType.MKDIR, encodeStrings(longPath(n, '/m/'))]);
    out.push([`RM ${n}`, XsType.RM, encodeStrings(longPath(n, '/m/'))]);
    out.push([`DIRECTORY ${n}`, XsType.DIRECTORY, encodeStrings(longPath(n))]);
    out.push([`GET_PERMS ${n}`, XsType.GET_PERMS, encodeStrings(longPath(n))]);
    out.push([`SET_PERMS ${n}`, XsType.SET_PERMS, encodeStrings(longPath(n), 'b0')]);
    out.push([`WATCH ${n}`, XsType.WATCH, encodeStrings(longPath(n), 't')]);
    out.push([`UNWATCH ${n}`, XsType.UNWATCH, encodeStrings(longPath(n), 't')]);
    out.push([`WATCH relative ${n}`, XsType.WATCH, encodeStrings(longPath(n + 1).slice(1), 't')]);
    out.push([`WATCH @ ${n}`, XsType.WATCH, encodeStrings(`@${'a'.repeat(n - 1)}`, 't')]);
  }
  out.push(['WATCH 4000', XsType.WATCH, encodeStrings(longPath(4000), 't')]);
  return out;
}

async function runCases(d: RunningDaemon): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const c = await RawConn.connect(d.socket);
  let reqId = 1;
  for (const [name, type, payload] of cases()) {
    const id = reqId++;
    c.send(type, id, 0, payload);
    const r = await c.next((m) => m.reqId === id && m.type !== XsType.WATCH_EVENT, 3000);
    out.set(name, r === undefined ? 'NO REPLY' : r.type === XsType.ERROR ? r.text.replace(/\0$/, '') : r.type === XsType.READ ? 'value' : 'OK');
  }
  c.close();
  return out;
}

describe('path length limits: xstorm vs the real 4.17 daemons', { skip }, () => {
  for (const [engine, real] of [['tdb-pernode', 'cxenstored'], ['trie-replay', 'oxenstored']] as const) {
    it(`${engine} answers long paths exactly like ${real}`, async () => {
      const xs = await startXstormServe(engine, undefined, ['--quiet']);
      let ours: Map<string, string>;
      try {
        ours = await runCases(xs);
      } finally {
        await xs.stop();
      }
      const r = startRealDaemon(real);
      let theirs: Map<string, string>;
      try {
        theirs = await runCases(r);
      } finally {
        await r.stop();
      }
      const differing = [...theirs].filter(([k, v]) => ours.get(k) !== v).map(([k, v]) => `${k}: ${real} ${v}, xstorm ${ours.get(k)}`);
      console.log(`# ${engine} vs ${real}: ${theirs.size} cases, ${differing.length} differences`);
      assert.deepEqual(differing, []);
      // The cases do reach the limit on both sides.
      assert.ok([...theirs.values()].includes('EINVAL') && [...theirs.values()].includes('OK'));
    });
  }
});
