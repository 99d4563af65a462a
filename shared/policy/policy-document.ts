import type { XenstoreQuotas } from '../xenstore/quotas.js';
import type { Role } from './types.js';

/**
 * A policy file as written, once it has passed the JSON Schema: durations are still
 * strings and optional fields may be absent. JSON pointers in errors refer to this shape.
 */
export type RestartDocument = 'never' | 'onRequest' | { every: string };

export type ServesDocument = 'all' | { tenants: string[] } | { guests: string[] };

export interface ServiceDocument {
  id: string;
  role: Role;
  restart?: RestartDocument;
  devices?: string[];
  uses?: string[];
  serves?: ServesDocument;
  limits?: { memory?: string };
  standbys?: number;
}

export interface TenantDocument {
  id: string;
  isolated?: boolean;
}

export interface GuestDocument {
  id: string;
  tenant: string;
  memory: string;
  vcpus?: number;
  disks?: Array<{ vdev: string; size: string; backend?: string }>;
  vifs?: Array<{ mac: string; backend?: string; rate?: string }>;
}

export interface GrantDocument {
  principal: string;
  service: string;
  guests?: string[];
  because?: string;
}

export interface XenHostDocument {
  kernel: string;
  ramdisk: string;
  rootDisk: string;
  bridge?: string;
  controlNetwork?: string;
}

export interface HostPolicyDocument {
  version: 1;
  host: { name: string; driver?: 'process' | 'xen'; xen?: XenHostDocument };
  pci?: { sysfs: string } | { fixture: string };
  watchdog?: { heartbeat?: string; timeout?: string; startTimeout?: string };
  restartBudget?: {
    maxRestarts?: number;
    within?: string;
    backoff?: { initial?: string; max?: string };
  };
  xenstore?: { quotas?: Partial<XenstoreQuotas> };
  tenants?: TenantDocument[];
  guests?: GuestDocument[];
  services: ServiceDocument[];
  privileges?: { [R in Role]?: string[] };
  grants?: GrantDocument[];
}
