/**
 * Where the real Xen daemons of ../shared/realxs live, for interop and
 * differential tests. Tests call {@link realxsSkipReason} and skip with the
 * printed reason when the daemons are not set up (DESIGN.md).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The realxs scripts folder: `$XSTORM_REALXS_TOOLS`, else `<repo>/../shared/realxs`. */
export const REALXS_TOOLS = process.env.XSTORM_REALXS_TOOLS ?? resolve(repoRoot, '..', 'shared', 'realxs');
/** Where realxs unpacked the daemons: `$REALXS_HOME`, default `/tmp/realxs`. */
export const REALXS_HOME = process.env.REALXS_HOME ?? '/tmp/realxs';
/** The real C xenstored binary. */
export const REALXS_CXENSTORED = `${REALXS_HOME}/root/usr/lib/xen-4.17/bin/xenstored`;
/** Xen's load client built by realxs setup. */
export const REALXS_XSLOAD = `${REALXS_HOME}/xsload`;

/** Why realxs tests cannot run here, or `undefined` when they can. */
export function realxsSkipReason(): string | undefined {
  if (!existsSync(`${REALXS_TOOLS}/start.sh`)) return `realxs scripts not found at ${REALXS_TOOLS}`;
  if (!existsSync(REALXS_CXENSTORED)) return `real daemons not set up (run ${REALXS_TOOLS}/setup.sh)`;
  return undefined;
}
