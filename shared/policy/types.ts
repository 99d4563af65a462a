import type { XenstoreQuotas } from '../xenstore/quotas.js';

/**
 * The host policy, version 1: which service VMs a host runs, how they restart and which
 * devices they drive. `policies/schema/host-policy.schema.json` describes the same shape
 * for validation; this file is its TypeScript view after defaults are applied.
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

export interface ServicePolicy {
  id: string;
  role: Role;
  restart: RestartSchedule;
  /** PCI devices (BDF, `0000:00:04.0`) this driver VM is assigned. */
  devices: string[];
  /** Service ids this service may send requests to, beyond what its role implies. */
  uses: string[];
}

export type PciSource = { kind: 'sysfs'; root: string } | { kind: 'fixture'; path: string };

export interface HostPolicy {
  version: 1;
  host: { name: string; driver: 'process' };
  pci: PciSource;
  watchdog: Watchdog;
  restartBudget: RestartBudget;
  /** XenStore quotas for unprivileged domains: xenstored's defaults, overridden by the policy. */
  xenstore: { quotas: XenstoreQuotas };
  services: ServicePolicy[];
  /** The file the policy was loaded from, for error messages. */
  source: string;
}
