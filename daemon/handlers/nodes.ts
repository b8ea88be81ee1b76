/**
 * Requests on store nodes: READ, WRITE, MKDIR, RM, DIRECTORY,
 * DIRECTORY_PART, GET_PERMS, SET_PERMS. Each is one engine call (plus, for
 * MKDIR and RM outside a transaction, an existence probe that decides
 * which watches fire), so an error leaves nothing half applied.
 */
import { XsError } from '../../engines/common/errors.ts';
import { validatePerms } from '../../engines/common/perms.ts';
import * as codec from '../../protocol/codec.ts';
import type { XsMessage } from '../../protocol/types.ts';
import { XENSTORE_PAYLOAD_MAX as WIRE_PAYLOAD_MAX } from '../../protocol/wire.ts';
import * as args from '../args.ts';
import type { Connection } from '../connection.ts';
import type { DaemonCore } from '../core.ts';

// tsx compiles each use of an imported binding into a getter call: the hot
// path reads these module constants instead.
const { encodeStrings, latin1ToBytes, okPayload, parsePathValue } = codec;
const { oneString, parseUint, strings } = args;

// A module constant: tsx-compiled imports cost a getter call on the hot path.
const PAYLOAD_MAX: number = WIRE_PAYLOAD_MAX;
const EMPTY = new Uint8Array(0);

export function handleRead(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  const path = core.storePath(c, oneString(msg.payload));
  return latin1ToBytes(core.engine.read(c.domid, core.txFor(c, msg.txId), path));
}

export function handleWrite(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  const { path: raw, value } = parsePathValue(msg.payload);
  const path = core.storePath(c, raw);
  const tx = core.txFor(c, msg.txId);
  core.engine.write(c.domid, tx, path, value);
  if (tx === 0) core.changed(path, undefined);
  return okPayload;
}

export function handleMkdir(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  const path = core.storePath(c, oneString(msg.payload));
  const tx = core.txFor(c, msg.txId);
  // An existing node is left alone and fires no watch (both real daemons).
  const existed = tx === 0 && core.exists(path);
  core.engine.mkdir(c.domid, tx, path);
  if (tx === 0 && !existed) core.changed(path, undefined);
  return okPayload;
}

export function handleRm(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  const path = core.storePath(c, oneString(msg.payload));
  if (path === '/') throw new XsError('EINVAL', 'cannot remove the root');
  const tx = core.txFor(c, msg.txId);
  const engine = core.engine;
  if (tx !== 0) {
    // Inside a transaction the engine alone decides (every engine acks
    // a missing node whose parent exists): a probing read here would be
    // recorded by the transaction and change its conflict outcome
    // (low-paths in trie, replayed reads in trie-replay). Events come
    // from the commit's changed paths, so a no-op removal fires none.
    const state = c.txs.get(msg.txId)!;
    state.oldPerms = core.permsBeforeChange(path, true, state.oldPerms);
    engine.rm(c.domid, tx, path);
    (state.removed ??= new Set()).add(path);
    return okPayload;
  }
  // Removing a missing node whose parent exists succeeds without any
  // event (both real daemons); a missing parent is ENOENT.
  if (!core.exists(path)) {
    if (core.exists(path.slice(0, Math.max(1, path.lastIndexOf('/'))))) return okPayload;
    throw new XsError('ENOENT', `${path} does not exist`);
  }
  const oldPerms = core.permsBeforeChange(path, true);
  engine.rm(c.domid, 0, path);
  core.changed(path, 'rm', oldPerms);
  return okPayload;
}

export function handleDirectory(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  const path = core.storePath(c, oneString(msg.payload));
  const out = encodeStrings(...core.engine.directory(c.domid, core.txFor(c, msg.txId), path));
  if (out.length > PAYLOAD_MAX) throw new XsError('E2BIG', 'directory listing exceeds one message');
  return out;
}

/**
 * DIRECTORY_PART (cxenstored 4.17 format): `<generation> NUL`, then the
 * children from byte `offset` of the NUL-separated list, as many whole
 * names as fit, and one more NUL when the list is complete.
 */
export function handleDirectoryPart(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  const [raw, off] = strings(msg.payload, 2);
  const path = core.storePath(c, raw!);
  const offset = parseUint(off!);
  const all = encodeStrings(...core.engine.directory(c.domid, core.txFor(c, msg.txId), path));
  if (offset > all.length) throw new XsError('EINVAL', 'offset beyond the listing');
  const gen = encodeStrings(String(core.generation));
  const rest = all.subarray(offset);
  const room = PAYLOAD_MAX - gen.length - 1;
  let body: Uint8Array;
  let complete: boolean;
  if (rest.length <= room) {
    body = rest;
    complete = true;
  } else {
    const cut = rest.subarray(0, room).lastIndexOf(0);
    if (cut < 0) throw new XsError('E2BIG', 'child name too long');
    body = rest.subarray(0, cut + 1);
    complete = false;
  }
  const out = new Uint8Array(gen.length + body.length + (complete ? 1 : 0));
  out.set(gen, 0);
  out.set(body, gen.length);
  return out.length === 0 ? EMPTY : out;
}

export function handleGetPerms(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  const path = core.storePath(c, oneString(msg.payload));
  return encodeStrings(...core.engine.getPerms(c.domid, core.txFor(c, msg.txId), path));
}

export function handleSetPerms(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  const [raw, ...perms] = strings(msg.payload, 2, PAYLOAD_MAX);
  const path = core.storePath(c, raw!);
  validatePerms(perms);
  const tx = core.txFor(c, msg.txId);
  if (tx !== 0) {
    const state = c.txs.get(msg.txId)!;
    state.oldPerms = core.permsBeforeChange(path, false, state.oldPerms);
    core.engine.setPerms(c.domid, tx, path, perms);
    return okPayload;
  }
  const oldPerms = core.permsBeforeChange(path, false);
  core.engine.setPerms(c.domid, 0, path, perms);
  core.changed(path, undefined, oldPerms);
  return okPayload;
}
