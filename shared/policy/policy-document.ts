import type { XenstoreQuotas } from '../xenstore/quotas.js';
import type { Role } from './types.js';

/**
 * A policy file as written, once it has passed the JSON Schema: durations are still
 * strings and optional fields may be absent. JSON pointers in errors refer to this shape.
 */
export type RestartDocument = 'never' | 'onRequest' | { every: string };

export interface ServiceDocument {
  id: string;
  role: Role;
  restart?: RestartDocument;
  devices?: string[];
  uses?: string[];
}

export interface HostPolicyDocument {
  version: 1;
  host: { name: string; driver?: 'process' };
  pci?: { sysfs: string } | { fixture: string };
  watchdog?: { heartbeat?: string; timeout?: string; startTimeout?: string };
  restartBudget?: {
    maxRestarts?: number;
    within?: string;
    backoff?: { initial?: string; max?: string };
  };
  xenstore?: { quotas?: Partial<XenstoreQuotas> };
  services: ServiceDocument[];
}
