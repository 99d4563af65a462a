import type { XenstoreQuotas } from '../xenstore/quotas.js';

/**
 * The host policy, version 1: which service VMs a host runs, how they restart, which devices
 * they drive, which guests they serve, what each role may do and what is granted to whom.
 * `policies/schema/host-policy.schema.json` describes the same shape for validation; this
 * file is its TypeScript view after defaults are applied.
 */
export const Role = {
  boot: 'boot',
  pciConfig: 'pci-config',
  xenstoreState: 'xenstore-state',
  xenstoreLogic: 'xenstore-logic',
  builder: 'builder',
  toolstack: 'toolstack',
  block: 'block',
  network: 'network',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** `never`, `onRequest`, or a period in milliseconds. */
export type RestartSchedule = { kind: 'never' } | { kind: 'onRequest' } | { kind: 'every'; periodMs: number };

export interface RestartBudget {
  /** More than this many crash restarts within `windowMs` ends in `failed`. */
  maxRestarts: number;
  windowMs: number;
  /** Backoff before the n-th restart in the window: min(initialMs * 2^(n-1), maxMs). */
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export interface Watchdog {
  heartbeatMs: number;
  /** No heartbeat for this long means the service VM is hung: `crashed`. */
  timeoutMs: number;
  /** From start (or restore) to `initialized`; longer means the instance is stuck: `crashed`. */
  startTimeoutMs: number;
}

/** Which guests a service VM serves: none, every guest, the guests of some tenants, or some guests. */
export type Serves = 'none' | 'all' | { tenants: string[] } | { guests: string[] };

export interface ServiceLimits {
  /** The most memory the service VM may use, in bytes. */
  memoryBytes?: number;
}

export interface ServicePolicy {
  id: string;
  role: Role;
  restart: RestartSchedule;
  /** PCI devices (BDF, `0000:00:04.0`) this driver VM is assigned. */
  devices: string[];
  /** Service ids this service may send requests to, beyond what its role implies. */
  uses: string[];
  serves: Serves;
  limits: ServiceLimits;
  /** Warm standbys for its rollbacks; the host's default when absent. */
  standbys?: number;
}

export interface TenantPolicy {
  id: string;
  /** Its guests share no service VM with another tenant's. */
  isolated: boolean;
}

export interface DiskPolicy {
  /** The device the guest sees (`xvda`). */
  vdev: string;
  sizeBytes: number;
  /** The block service that serves it. */
  backend: string;
}

export interface VifPolicy {
  mac: string;
  /** The network service that serves it. */
  backend: string;
  /** The most the guest may send through it; no limit when absent. */
  rateBitsPerSecond?: number;
}

export interface GuestPolicy {
  id: string;
  tenant: string;
  memoryBytes: number;
  vcpus: number;
  disks: DiskPolicy[];
  vifs: VifPolicy[];
}

/** An explicit grant: `principal` may send requests to `service`, about `guests` only when given. */
export interface GrantPolicy {
  principal: string;
  service: string;
  guests?: string[];
  because?: string;
}

export type PciSource = { kind: 'sysfs'; root: string } | { kind: 'fixture'; path: string };

/** What every service VM domain boots (absolute paths) and the control network it reaches the broker on. */
export interface XenHostSettings {
  kernel: string;
  ramdisk: string;
  rootDisk: string;
  bridge: string;
  /** dom0's address on the bridge with its prefix (`10.88.0.1/24`). */
  controlNetwork: string;
}

export interface HostPolicy {
  version: 1;
  host: { name: string; driver: 'process' } | { name: string; driver: 'xen'; xen: XenHostSettings };
  pci: PciSource;
  watchdog: Watchdog;
  restartBudget: RestartBudget;
  /** XenStore quotas for unprivileged domains: xenstored's defaults, overridden by the policy. */
  xenstore: { quotas: XenstoreQuotas };
  tenants: TenantPolicy[];
  guests: GuestPolicy[];
  services: ServicePolicy[];
  /** Every role's capabilities (`vm.create`, `vm.manage:own`, …): the policy's, else the role's defaults. */
  privileges: { [R in Role]: string[] };
  grants: GrantPolicy[];
  /** The file the policy was loaded from, for error messages. */
  source: string;
}
