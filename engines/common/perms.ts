/**
 * Xenstore permissions in their wire text form (FACTS.md §4): a list of
 * `<letter><domid>` entries, letters `n` (none), `r` (read), `w` (write),
 * `b` (both). The first entry names the owner and is the default for every
 * domain not listed. Domain 0 is privileged and passes every check.
 */
import { XsError } from './errors.ts';

/** Access an operation needs. */
export type Access = 'read' | 'write';

const PERM_ENTRY = /^[nrwb](0|[1-9][0-9]{0,9})$/;
/** Largest domid a permission entry may name (domid_t is 16-bit). */
export const MAX_DOMID = 0xffff;

/** Default permissions of the root node: owned by dom0, no access for others. */
export const ROOT_PERMS: readonly string[] = Object.freeze(['n0']);

/** Throws `EINVAL` unless `perms` is a non-empty list of valid entries. */
export function validatePerms(perms: readonly string[]): void {
  if (perms.length === 0) throw new XsError('EINVAL', 'permission list is empty');
  for (const p of perms) {
    if (!PERM_ENTRY.test(p) || Number(p.slice(1)) > MAX_DOMID) {
      throw new XsError('EINVAL', `bad permission entry ${JSON.stringify(p.slice(0, 16))}`);
    }
  }
}

/** The owner domain of a node. */
export function permsOwner(perms: readonly string[]): number {
  return Number(perms[0]!.slice(1));
}

/** Whether `domid` may perform `access` on a node with `perms`. */
export function hasAccess(perms: readonly string[], domid: number, access: Access): boolean {
  if (domid === 0) return true;
  const first = perms[0]!;
  if (Number(first.slice(1)) === domid) return true; // the owner has full access
  let letter = first[0]!;
  for (let i = 1; i < perms.length; i++) {
    const p = perms[i]!;
    if (Number(p.slice(1)) === domid) {
      letter = p[0]!;
      break;
    }
  }
  if (letter === 'b') return true;
  return access === 'read' ? letter === 'r' : letter === 'w';
}

/** Throws `EACCES` unless `domid` may perform `access` on a node with `perms`. */
export function checkAccess(perms: readonly string[], domid: number, access: Access, path: string): void {
  if (!hasAccess(perms, domid, access)) throw new XsError('EACCES', `dom${domid} may not ${access} ${path}`);
}

/**
 * Permissions of a node created by `creator` under a parent with
 * `parentPerms`: inherited, but an unprivileged creator becomes the owner
 * (both 2009 daemons do this).
 */
export function inheritPerms(parentPerms: readonly string[], creator: number): readonly string[] {
  if (creator === 0) return parentPerms;
  const first = parentPerms[0]!;
  if (Number(first.slice(1)) === creator) return parentPerms;
  return [`${first[0]}${creator}`, ...parentPerms.slice(1)];
}

/** True when two permission lists are identical. */
export function samePerms(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
