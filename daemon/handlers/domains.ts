/**
 * Domain requests on simulated domains (no hypervisor): INTRODUCE (dom0
 * only) and RELEASE fire `@introduceDomain` / `@releaseDomain`;
 * IS_DOMAIN_INTRODUCED, GET_DOMAIN_PATH, RESUME, SET_TARGET (recorded
 * only).
 */
import { XsError } from '../../engines/common/errors.ts';
import { domainPath } from '../../engines/common/paths.ts';
import { encodeStrings, okPayload } from '../../protocol/codec.ts';
import type { XsMessage } from '../../protocol/types.ts';
import { oneString, parseDomid, parseUint, strings } from '../args.ts';
import type { Connection } from '../connection.ts';
import type { DaemonCore } from '../core.ts';

const TRUE_PAYLOAD = encodeStrings('T');
const FALSE_PAYLOAD = encodeStrings('F');
/** The special watch names a domain's arrival and departure fire. */
export const INTRODUCE_DOMAIN = '@introduceDomain';
export const RELEASE_DOMAIN = '@releaseDomain';

/** `atoi` of a domid argument (leading digits, else 0), as the real daemons read GET_DOMAIN_PATH's. */
function atoiDomid(text: string): number {
  const m = /^[0-9]{1,5}/.exec(text);
  const n = m ? Number(m[0]) : 0;
  if (n > 0xffff) throw new XsError('EINVAL', `domain id ${n} out of range`);
  return n;
}

export function handleIntroduce(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  core.requirePrivileged(c);
  const [d, mfn, port] = strings(msg.payload, 3, 4);
  const target = parseDomid(d!);
  parseUint(mfn!);
  parseUint(port!);
  if (core.introduced.has(target)) throw new XsError('EEXIST', `domain ${target} already introduced`);
  core.introduced.add(target);
  core.changed(INTRODUCE_DOMAIN, undefined);
  return okPayload;
}

export function handleRelease(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  core.requirePrivileged(c);
  const target = parseDomid(oneString(msg.payload));
  if (target === 0) throw new XsError('EINVAL', 'cannot release dom0');
  if (!core.introduced.delete(target)) throw new XsError('ENOENT', `domain ${target} not introduced`);
  core.targets.delete(target);
  core.changed(RELEASE_DOMAIN, undefined);
  return okPayload;
}

export function handleGetDomainPath(_core: DaemonCore, _c: Connection, msg: XsMessage): Uint8Array {
  // Both real daemons read the domid like atoi ("x" is domain 0).
  return encodeStrings(domainPath(atoiDomid(oneString(msg.payload))));
}

export function handleIsDomainIntroduced(core: DaemonCore, _c: Connection, msg: XsMessage): Uint8Array {
  return core.introduced.has(parseDomid(oneString(msg.payload))) ? TRUE_PAYLOAD : FALSE_PAYLOAD;
}

export function handleResume(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  core.requirePrivileged(c);
  const target = parseDomid(oneString(msg.payload));
  if (target === 0) throw new XsError('EINVAL', 'cannot resume dom0');
  if (!core.introduced.has(target)) throw new XsError('ENOENT', `domain ${target} not introduced`);
  return okPayload;
}

export function handleSetTarget(core: DaemonCore, c: Connection, msg: XsMessage): Uint8Array {
  core.requirePrivileged(c);
  const [a, b] = strings(msg.payload, 2);
  const d = parseDomid(a!);
  const t = parseDomid(b!);
  if (!core.introduced.has(d) || !core.introduced.has(t)) throw new XsError('ENOENT', 'domain not introduced');
  core.targets.set(d, t);
  return okPayload;
}
