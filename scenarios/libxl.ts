/**
 * A toolstack's xenstore traffic when it starts and stops a domain, and the
 * guest front-ends' handshake, after FACTS.md §5 (libxl 4.4 with Linux
 * front-ends, one disk, one vif).
 *
 * These counts are a documented stand-in for a toolstack's traffic: the
 * paper's authors used XenServer's toolstack, not libxl, so the exact
 * requests differ; the shape (one ~31-operation transaction rooted at `/`,
 * ~11 build_post writes, console/disk/vif transactions of ~27/30/24
 * operations, a name check reading every domain's name, immediate retry on
 * EAGAIN) is what matters for conflicts and cost.
 */
import type { RetryPolicy, XsApi, XsTransactionOps } from '../protocol/types.ts';
import { domainHome, guestWritable, isErrno } from './common.ts';

/** Path the toolstack writes last ("unpause"): the guest starts running when it appears. */
export function startedMarker(domid: number): string {
  return `${domainHome(domid)}/control/xstorm-started`;
}

/** A deterministic UUID-looking string for a domain's `/vm/<uuid>`. */
export function vmUuid(domid: number): string {
  const hex = domid.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/**
 * libxl's name check: list `/local/domain` and read every domain's name
 * (its cost grows with the number of domains). Domains without a name are
 * skipped, as libxl does.
 */
export async function nameCheck(client: XsApi): Promise<number> {
  const domains = await client.directory('/local/domain');
  for (const d of domains) {
    try {
      await client.read(`/local/domain/${d}/name`);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
  }
  return domains.length;
}

/** The writable (guest-owned) directories of a domain's home. */
const GUEST_DIRS = ['cpu', 'memory', 'device', 'control', 'data', 'drivers', 'feature', 'attr', 'error'] as const;

/**
 * domain_make: one transaction of 32 operations across `/local/domain/<id>`,
 * `/vm/<uuid>` and `/libxl/<id>` (their common prefix is `/`, so on a trie
 * it conflicts with any concurrent commit).
 */
export async function domainMake(tx: XsTransactionOps, domid: number, name: string): Promise<void> {
  const home = domainHome(domid);
  const vm = `/vm/${vmUuid(domid)}`;
  const libxl = `/libxl/${domid}`;
  const readOnly = ['n0', `r${domid}`];
  await tx.mkdir(home);
  await tx.setPerms(home, readOnly);
  await tx.mkdir(vm);
  await tx.setPerms(vm, readOnly);
  await tx.mkdir(libxl);
  await tx.setPerms(libxl, ['n0']);
  for (const sub of GUEST_DIRS) {
    await tx.mkdir(`${home}/${sub}`);
    await tx.setPerms(`${home}/${sub}`, guestWritable(domid));
  }
  await tx.write(`${home}/vm`, vm);
  await tx.write(`${home}/name`, name);
  await tx.write(`${home}/domid`, String(domid));
  await tx.write(`${home}/control/platform-feature-multiprocessor-suspend`, '1');
  await tx.write(`${vm}/uuid`, vmUuid(domid));
  await tx.write(`${vm}/name`, name);
  await tx.write(`${vm}/image/ostype`, 'linux');
  await tx.write(`${libxl}/type`, 'pv');
}

/** build_post: 11 writes (memory, vcpus, store and console rings). */
export async function buildPost(tx: XsTransactionOps, domid: number): Promise<void> {
  const home = domainHome(domid);
  const entries: [string, string][] = [
    ['memory/static-max', '262144'], ['memory/target', '262144'], ['memory/videoram', '0'],
    ['cpu/0/availability', 'online'], ['store/port', '1'], ['store/ring-ref', String(1000 + domid)],
    ['console/port', '2'], ['console/ring-ref', String(2000 + domid)], ['console/limit', '1048576'],
    ['console/type', 'xenconsoled'], ['image/device-model-pid', '0'],
  ];
  for (const [key, value] of entries) await tx.write(`${home}/${key}`, value);
}

/** A device to add: its kind, number and the backend/frontend entries (besides the handshake ones). */
interface DeviceSpec {
  readonly kind: 'console' | 'vbd' | 'vif';
  readonly devid: number;
  readonly backend: readonly [string, string][];
  readonly frontend: readonly [string, string][];
}

/** Frontend path of a device inside the guest's home. */
export function frontendPath(domid: number, kind: string, devid: number): string {
  return `${domainHome(domid)}/device/${kind}/${devid}`;
}

/** Backend path of a device in dom0's backend tree. */
export function backendPath(domid: number, kind: string, devid: number): string {
  return `/local/domain/0/backend/${kind}/${domid}/${devid}`;
}

/**
 * libxl__device_generic_add: backend and frontend directories with their
 * permissions and entries, in one transaction. Operations: 4 + 5 handshake
 * entries + the spec's entries.
 */
async function deviceAdd(tx: XsTransactionOps, domid: number, spec: DeviceSpec): Promise<void> {
  const fe = frontendPath(domid, spec.kind, spec.devid);
  const be = backendPath(domid, spec.kind, spec.devid);
  await tx.mkdir(fe);
  await tx.setPerms(fe, guestWritable(domid));
  await tx.mkdir(be);
  await tx.setPerms(be, ['n0', `r${domid}`]);
  await tx.write(`${be}/frontend`, fe);
  await tx.write(`${be}/frontend-id`, String(domid));
  await tx.write(`${be}/state`, '1');
  await tx.write(`${fe}/backend`, be);
  await tx.write(`${fe}/state`, '1');
  for (const [key, value] of spec.backend) await tx.write(`${be}/${key}`, value);
  for (const [key, value] of spec.frontend) await tx.write(`${fe}/${key}`, value);
}

const filler = (prefix: string, n: number): [string, string][] =>
  Array.from({ length: n }, (_, i) => [`${prefix}${i}`, String(i)] as [string, string]);

/** console ≈ 27 operations, disk ≈ 30, vif ≈ 24 (FACTS.md §5). */
export const DEVICES: readonly DeviceSpec[] = [
  {
    kind: 'console', devid: 0,
    backend: [['online', '1'], ['protocol', 'x86_64-abi'], ['type', 'xenconsoled'], ['name', 'console'], ['output', 'pty'], ['tty', ''], ...filler('opt-', 4)],
    frontend: [['backend-id', '0'], ['limit', '1048576'], ['type', 'xenconsoled'], ['output', 'pty'], ['tty', ''], ['port', '2'], ['ring-ref', '0'], ['protocol', 'x86_64-abi']],
  },
  {
    kind: 'vbd', devid: 51712,
    backend: [['online', '1'], ['removable', '0'], ['bootable', '1'], ['dev', 'xvda'], ['type', 'phy'], ['mode', 'w'], ['device-type', 'disk'], ['params', '/dev/vg/disk'], ['script', '/etc/xen/scripts/block'], ['discard-enable', '1'], ...filler('opt-', 3)],
    frontend: [['backend-id', '0'], ['virtual-device', '51712'], ['device-type', 'disk'], ['protocol', 'x86_64-abi'], ...filler('opt-', 4)],
  },
  {
    kind: 'vif', devid: 0,
    backend: [['online', '1'], ['script', '/etc/xen/scripts/vif-bridge'], ['mac', '00:16:3e:00:00:00'], ['bridge', 'xenbr0'], ['handle', '0'], ['type', 'vif'], ...filler('opt-', 2)],
    frontend: [['backend-id', '0'], ['handle', '0'], ['mac', '00:16:3e:00:00:00'], ...filler('opt-', 4)],
  },
];

/** Operations of one device-add transaction. */
export function deviceOps(spec: DeviceSpec): number {
  return 9 + spec.backend.length + spec.frontend.length;
}

/** Options of {@link createDomain}. */
export interface CreateDomainOptions {
  /** Time spent outside xenstore between domain_make and build_post (building the domain). */
  readonly buildMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Whether to run the name check first. */
  readonly nameCheck: boolean;
  /** What each transaction does on EAGAIN (default: the client's policy, immediate retry as libxl does). */
  readonly retry?: RetryPolicy;
}

/**
 * Starts one domain the way libxl does, from the toolstack's (dom0's)
 * connection: name check, domain_make, build, build_post, console, disk and
 * vif device transactions, then the "unpause" marker. Every transaction
 * retries immediately on EAGAIN (the client's policy). Returns the number
 * of transaction attempts.
 */
export async function createDomain(client: XsApi, domid: number, options: CreateDomainOptions): Promise<number> {
  const name = `guest-${domid}`;
  const txOptions = options.retry ? { retry: options.retry } : {};
  let attempts = 0;
  if (options.nameCheck) await nameCheck(client);
  attempts += (await client.transaction((tx) => domainMake(tx, domid, name), txOptions)).attempts;
  if (options.buildMs > 0) await options.sleep(options.buildMs);
  attempts += (await client.transaction((tx) => buildPost(tx, domid), txOptions)).attempts;
  for (const device of DEVICES) attempts += (await client.transaction((tx) => deviceAdd(tx, domid, device), txOptions)).attempts;
  await client.write(startedMarker(domid), '1');
  return attempts;
}

/** Destroys a domain: removes its home, `/vm/<uuid>`, `/libxl/<id>` and backends in one transaction (retry: as in {@link CreateDomainOptions}). */
export async function destroyDomain(client: XsApi, domid: number, retry?: RetryPolicy): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.rm(domainHome(domid));
    await tx.rm(`/vm/${vmUuid(domid)}`);
    await tx.rm(`/libxl/${domid}`);
    for (const device of DEVICES) await tx.rm(`/local/domain/0/backend/${device.kind}/${domid}`);
  }, retry ? { retry } : {});
}

/**
 * The nodes a domain's start adds as children of directories every start
 * shares (`/local/domain`, `/vm`, `/libxl`, dom0's backend directories).
 * Creating them beforehand (a what-if: a toolstack that reserved each
 * domain's place) leaves a start no shared child list to change.
 */
export async function precreateDomainPlaces(client: XsApi, domid: number): Promise<void> {
  await client.mkdir(domainHome(domid));
  await client.mkdir(`/vm/${vmUuid(domid)}`);
  await client.mkdir(`/libxl/${domid}`);
  for (const device of DEVICES) await client.mkdir(`/local/domain/0/backend/${device.kind}/${domid}`);
}

/** xenbus_switch_state: a transaction reading and writing a device's `state`. */
async function switchState(client: XsApi, statePath: string, state: number): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.read(statePath);
    await tx.write(statePath, String(state));
  });
}

/**
 * The guest's Linux front-ends coming up, from the guest's own connection:
 * blkfront writes its 3 ring entries in a transaction, netfront its 10, and
 * each switches state to Initialised then Connected (a transaction each).
 */
export async function frontendsConnect(client: XsApi, domid: number): Promise<void> {
  const blk = frontendPath(domid, 'vbd', 51712);
  await client.transaction(async (tx) => {
    await tx.write(`${blk}/ring-ref`, '8');
    await tx.write(`${blk}/event-channel`, '3');
    await tx.write(`${blk}/protocol`, 'x86_64-abi');
  });
  await switchState(client, `${blk}/state`, 3);
  const net = frontendPath(domid, 'vif', 0);
  await client.transaction(async (tx) => {
    const entries: [string, string][] = [
      ['tx-ring-ref', '9'], ['rx-ring-ref', '10'], ['event-channel', '4'], ['request-rx-copy', '1'],
      ['feature-rx-notify', '1'], ['feature-sg', '1'], ['feature-gso-tcpv4', '1'], ['feature-gso-tcpv6', '1'],
      ['feature-ipv6-csum-offload', '1'], ['multi-queue-num-queues', '1'],
    ];
    for (const [key, value] of entries) await tx.write(`${net}/${key}`, value);
  });
  await switchState(client, `${net}/state`, 3);
  await switchState(client, `${blk}/state`, 4);
  await switchState(client, `${net}/state`, 4);
}
