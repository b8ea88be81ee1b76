/**
 * The 2009 XenServer toolstack's xenstore traffic when it starts a PV
 * domain with one disk and one vif: the toolstack of the paper's §7.3
 * (its authors built XenServer). Modelled from the xapi sources of late
 * 2009 (xapi-project/xen-api, commit aeb56a1e98, 2009-12-22; read for facts
 * only, nothing copied):
 *
 * - `ocaml/xenops/domain.ml`, `Domain.make`: ONE transaction that clears
 *   and recreates the domain's home, `/vm/<uuid>` and `/vss/<uuid>` (rm,
 *   mkdir, setperms each), writes `vm`, `vss`, `name`, and creates `cpu`,
 *   `memory` (read-only for the guest) and `device`, `error`, `drivers`,
 *   `control`, `attr`, `data`, `messages` (guest-writable): 30 operations.
 *   Then, OUTSIDE any transaction, `/vm/<uuid>/{uuid,name}`, the VM's
 *   `platform/` keys (for a PV guest from a template, the vCPU
 *   configuration that `ocaml/xapi/vmops.ml` `vcpu_configuration` adds:
 *   `vcpu/number`, `vcpu/current`), `control/platform-feature-
 *   multiprocessor-suspend` and `unique-domain-id`: 6 writes, each of which
 *   bumps the 2009 C daemon's global generation (FACTS.md §7).
 * - `Domain.build_post`: one transaction writing 8 keys (`memory/static-
 *   max`, `memory/target`, `domid`, `store/port`, `store/ring-ref`, and the
 *   PV build's `serial/0/limit`, `console/port`, `console/ring-ref`); no
 *   console device transaction (the PV console comes from the build). Then
 *   `xs.introduce`, which writes no node in the 2009 daemons and is not
 *   sent here (a real daemon without Xen cannot map a guest's ring).
 * - `ocaml/xenops/device.ml`, `Generic.add_device`: each device in ONE
 *   transaction: read the frontend (ENOENT on a fresh domain), rm frontend
 *   and backend, mkdir+setperms of frontend, backend and the hotplug path
 *   `/xapi/<domid>/hotplug/<kind>/<devid>`, the frontend and backend
 *   entries (vbd: 5 + 9, `Vbd.add`; vif: 5 + 7, `Vif.add`), mkdir+setperms
 *   of `/xapi/<domid>/private/<kind>/<devid>` and its keys (vbd: `ref`;
 *   vif: `bridge`, `bridge-MAC`): 26 and 25 operations. After each device
 *   the toolstack waits for the hotplug script (`ocaml/xenops/hotplug.ml`,
 *   `wait_for_plug`: a watch on `<hotplug path>/hotplug`), which writes
 *   `online` there outside any transaction (the vif script also writes the
 *   backend's `hotplug-status`). Here the toolstack waits `hotplugMs` and
 *   issues the script's writes itself: the same requests in the same order,
 *   without the watch round trip.
 * - no per-domain name check over every domain (libxl's; xapi keeps names
 *   in its own database).
 * - transactions retry at once on EAGAIN (the OCaml xenstore library).
 *
 * The guest's own front-end handshake and the final "unpause" marker are
 * shared with the libxl stand-in (scenarios/libxl.ts).
 */
import type { XsApi, XsTransactionOps } from '../protocol/types.ts';
import { domainHome, guestWritable, isErrno } from './common.ts';
import { backendPath, frontendPath, startedMarker, vmUuid } from './libxl.ts';

/** Where xapi keeps its per-domain private and hotplug data. */
export const XAPI_PRIVATE_ROOT = '/xapi';

/** Top-level directories the 2009 toolstack expects (created at its start). */
export const XAPI_ROOTS = ['/vm', '/vss', XAPI_PRIVATE_ROOT] as const;

/** Read-only for the guest, owned by dom0 (xapi's `roperm_for_guest`). */
const readOnly = (domid: number): string[] => ['n0', `r${domid}`];

/** `Domain.make`'s transaction: 30 operations rooted at three top-level paths. */
async function domainMakeTransaction(tx: XsTransactionOps, domid: number, name: string): Promise<void> {
  const home = domainHome(domid);
  const vm = `/vm/${vmUuid(domid)}`;
  const vss = `/vss/${vmUuid(domid)}`;
  for (const [path, perms] of [[home, readOnly(domid)], [vm, readOnly(domid)], [vss, guestWritable(domid)]] as const) {
    await rmIfPresent(tx, path);
    await tx.mkdir(path);
    await tx.setPerms(path, [...perms]);
  }
  await tx.write(`${home}/vm`, vm);
  await tx.write(`${home}/vss`, vss);
  await tx.write(`${home}/name`, name);
  for (const dir of ['cpu', 'memory']) {
    await tx.mkdir(`${home}/${dir}`);
    await tx.setPerms(`${home}/${dir}`, readOnly(domid));
  }
  for (const dir of ['device', 'error', 'drivers', 'control', 'attr', 'data', 'messages']) {
    await tx.mkdir(`${home}/${dir}`);
    await tx.setPerms(`${home}/${dir}`, guestWritable(domid));
  }
}

/** xapi's `rm` of a path that may not exist (its xenstore library ignores ENOENT there). */
async function rmIfPresent(tx: XsTransactionOps, path: string): Promise<void> {
  try {
    await tx.rm(path);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
}

/** The writes `Domain.make` does outside its transaction (each bumps the 2009 C daemon's generation). */
async function domainMakeWrites(client: XsApi, domid: number, name: string): Promise<void> {
  const home = domainHome(domid);
  const vm = `/vm/${vmUuid(domid)}`;
  await client.write(`${vm}/uuid`, vmUuid(domid));
  await client.write(`${vm}/name`, name);
  await client.write(`${home}/platform/vcpu/number`, '1');
  await client.write(`${home}/platform/vcpu/current`, '1');
  await client.write(`${home}/control/platform-feature-multiprocessor-suspend`, '1');
  await client.write(`${home}/unique-domain-id`, `${vmUuid(domid)}-u`);
}

/** `Domain.build_post`'s transaction for a PV build: 8 writes. */
async function buildPostTransaction(tx: XsTransactionOps, domid: number): Promise<void> {
  const home = domainHome(domid);
  const entries: [string, string][] = [
    ['memory/static-max', '262144'], ['memory/target', '262144'], ['domid', String(domid)],
    ['store/port', '1'], ['store/ring-ref', String(1000 + domid)],
    ['serial/0/limit', '65536'], ['console/port', '2'], ['console/ring-ref', String(2000 + domid)],
  ];
  for (const [key, value] of entries) await tx.write(`${home}/${key}`, value);
}

/** One device as `Generic.add_device` writes it. */
interface XapiDevice {
  readonly kind: 'vbd' | 'vif';
  readonly devid: number;
  readonly frontend: readonly [string, string][];
  readonly backend: readonly [string, string][];
  readonly privateKeys: readonly [string, string][];
  /** What the hotplug script writes once the backend is up (besides `<hotplug path>/hotplug`). */
  readonly scriptWrites: (domid: number) => readonly [string, string][];
}

/** The mini-OS guest's disk (`Vbd.add`) and vif (`Vif.add`), as the 2009 toolstack wrote them. */
export const XAPI_DEVICES: readonly XapiDevice[] = [
  {
    kind: 'vbd', devid: 51712,
    frontend: [['backend-id', '0'], ['state', '1'], ['virtual-device', '51712'], ['device-type', 'disk']],
    backend: [['params', 'vhd:/dev/VG_XenStorage/VHD-disk'], ['frontend-id', '%d'], ['online', '1'], ['removable', '0'], ['state', '1'], ['dev', 'xvda'], ['type', 'tap'], ['mode', 'w']],
    privateKeys: [['ref', 'OpaqueRef:vbd']],
    scriptWrites: () => [],
  },
  {
    kind: 'vif', devid: 0,
    frontend: [['backend-id', '0'], ['state', '1'], ['handle', '0'], ['mac', '00:16:3e:00:00:00']],
    backend: [['frontend-id', '%d'], ['online', '1'], ['state', '1'], ['script', '/etc/xensource/scripts/vif'], ['mac', '00:16:3e:00:00:00'], ['handle', '0']],
    privateKeys: [['bridge', 'xenbr0'], ['bridge-MAC', 'fe:ff:ff:ff:ff:ff']],
    scriptWrites: (domid) => [[`${backendPath(domid, 'vif', 0)}/hotplug-status`, 'connected']],
  },
];

/** `/xapi/<domid>/<what>/<kind>/<devid>`. */
function xapiPath(domid: number, what: 'hotplug' | 'private', kind: string, devid: number): string {
  return `${XAPI_PRIVATE_ROOT}/${domid}/${what}/${kind}/${devid}`;
}

/** Operations of one `Generic.add_device` transaction. */
export function xapiDeviceOps(device: XapiDevice): number {
  return 1 + 2 + 6 + (1 + device.frontend.length) + (1 + device.backend.length) + 2 + device.privateKeys.length;
}

async function addDeviceTransaction(tx: XsTransactionOps, domid: number, device: XapiDevice): Promise<void> {
  const fe = frontendPath(domid, device.kind, device.devid);
  const be = backendPath(domid, device.kind, device.devid);
  const hotplug = xapiPath(domid, 'hotplug', device.kind, device.devid);
  const priv = xapiPath(domid, 'private', device.kind, device.devid);
  try {
    await tx.read(fe);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
  await rmIfPresent(tx, fe);
  await rmIfPresent(tx, be);
  await tx.mkdir(fe);
  await tx.setPerms(fe, guestWritable(domid));
  await tx.mkdir(be);
  await tx.setPerms(be, readOnly(domid));
  await tx.mkdir(hotplug);
  await tx.setPerms(hotplug, ['n0']);
  await tx.write(`${fe}/backend`, be);
  for (const [key, value] of device.frontend) await tx.write(`${fe}/${key}`, value);
  await tx.write(`${be}/frontend`, fe);
  for (const [key, value] of device.backend) await tx.write(`${be}/${key}`, value === '%d' ? String(domid) : value);
  await tx.mkdir(priv);
  await tx.setPerms(priv, ['n0']);
  for (const [key, value] of device.privateKeys) await tx.write(`${priv}/${key}`, value);
}

/** Options of {@link createDomainXapi}. */
export interface XapiCreateOptions {
  /** Time outside xenstore between `Domain.make` and `build_post` (building the domain). */
  readonly buildMs: number;
  /** Time the hotplug script takes after each device is added, before it writes its status. */
  readonly hotplugMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Starts one domain the way the 2009 XenServer toolstack did (see the module
 * comment), from dom0's connection, then writes the "unpause" marker the
 * guest actor waits for. Returns the number of transaction attempts.
 */
export async function createDomainXapi(client: XsApi, domid: number, options: XapiCreateOptions): Promise<number> {
  const name = `guest-${domid}`;
  let attempts = (await client.transaction((tx) => domainMakeTransaction(tx, domid, name))).attempts;
  await domainMakeWrites(client, domid, name);
  if (options.buildMs > 0) await options.sleep(options.buildMs);
  attempts += (await client.transaction((tx) => buildPostTransaction(tx, domid))).attempts;
  for (const device of XAPI_DEVICES) {
    attempts += (await client.transaction((tx) => addDeviceTransaction(tx, domid, device))).attempts;
    if (options.hotplugMs > 0) await options.sleep(options.hotplugMs);
    await client.write(`${xapiPath(domid, 'hotplug', device.kind, device.devid)}/hotplug`, 'online');
    for (const [path, value] of device.scriptWrites(domid)) await client.write(path, value);
  }
  await client.write(startedMarker(domid), '1');
  return attempts;
}
