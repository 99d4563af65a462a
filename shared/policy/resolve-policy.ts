import { dirname, resolve } from 'node:path';
import { DEFAULT_XENSTORE_QUOTAS } from '../xenstore/quotas.js';
import { parseDuration } from './duration.js';
import type { GuestDocument, HostPolicyDocument, RestartDocument } from './policy-document.js';
import { policyDefaults } from './policy-defaults.js';
import { parseRate } from './rate.js';
import { roles } from './roles.js';
import { servicesServing } from './sharing.js';
import { parseSize } from './size.js';
import { type GuestPolicy, type HostPolicy, type PciSource, Role, type RestartSchedule } from './types.js';

/** Applies defaults and converts units. Assumes the document passed the schema and `checkPolicy`. */
export function resolvePolicy(document: HostPolicyDocument, file: string): HostPolicy {
  const { watchdog = {}, restartBudget = {} } = document;
  const backoff = restartBudget.backoff ?? {};
  return {
    version: 1,
    host: resolveHost(document.host, dirname(resolve(file))),
    pci: resolvePci(document.pci, dirname(resolve(file))),
    watchdog: {
      heartbeatMs: parseDuration(watchdog.heartbeat ?? policyDefaults.watchdog.heartbeat),
      timeoutMs: parseDuration(watchdog.timeout ?? policyDefaults.watchdog.timeout),
      startTimeoutMs: parseDuration(watchdog.startTimeout ?? policyDefaults.watchdog.startTimeout),
    },
    restartBudget: {
      maxRestarts: restartBudget.maxRestarts ?? policyDefaults.restartBudget.maxRestarts,
      windowMs: parseDuration(restartBudget.within ?? policyDefaults.restartBudget.within),
      backoffInitialMs: parseDuration(backoff.initial ?? policyDefaults.restartBudget.backoff.initial),
      backoffMaxMs: parseDuration(backoff.max ?? policyDefaults.restartBudget.backoff.max),
    },
    xenstore: { quotas: { ...DEFAULT_XENSTORE_QUOTAS, ...document.xenstore?.quotas } },
    tenants: (document.tenants ?? []).map((tenant) => ({ id: tenant.id, isolated: tenant.isolated ?? false })),
    guests: (document.guests ?? []).map((guest) => resolveGuest(document, guest)),
    services: document.services.map((service) => ({
      id: service.id,
      role: service.role,
      restart: resolveRestart(service.restart ?? policyDefaults.restart),
      devices: service.devices ?? [],
      uses: service.uses ?? [],
      serves: service.serves ?? 'none',
      limits: service.limits?.memory === undefined ? {} : { memoryBytes: parseSize(service.limits.memory) },
      ...(service.standbys === undefined ? {} : { standbys: service.standbys }),
    })),
    privileges: Object.fromEntries(Object.values(Role).map((role) => [role, document.privileges?.[role] ?? [...roles[role].defaultPrivileges]])) as HostPolicy['privileges'],
    grants: (document.grants ?? []).map((grant) => ({ ...grant })),
    source: file,
  };
}

function resolveHost(host: HostPolicyDocument['host'], policyDir: string): HostPolicy['host'] {
  if (host.driver !== 'xen' || host.xen === undefined) return { name: host.name, driver: policyDefaults.driver };
  const { kernel, ramdisk, rootDisk, bridge = policyDefaults.xen.bridge, controlNetwork = policyDefaults.xen.controlNetwork } = host.xen;
  const path = (file: string) => resolve(policyDir, file);
  return { name: host.name, driver: 'xen', xen: { kernel: path(kernel), ramdisk: path(ramdisk), rootDisk: path(rootDisk), bridge, controlNetwork } };
}

/** A device without `backend` is served by the one service of its kind that serves the guest (`checkGuests` made sure there is one). */
function resolveGuest(document: HostPolicyDocument, guest: GuestDocument): GuestPolicy {
  const view = { services: document.services, guests: document.guests ?? [] };
  const backendOf = (role: Role, named: string | undefined) => named ?? servicesServing(view, guest.id, role)[0] ?? '';
  return {
    id: guest.id,
    tenant: guest.tenant,
    memoryBytes: parseSize(guest.memory),
    vcpus: guest.vcpus ?? policyDefaults.vcpus,
    disks: (guest.disks ?? []).map((disk) => ({ vdev: disk.vdev, sizeBytes: parseSize(disk.size), backend: backendOf(Role.block, disk.backend) })),
    vifs: (guest.vifs ?? []).map((vif) => ({ mac: vif.mac, backend: backendOf(Role.network, vif.backend), ...(vif.rate === undefined ? {} : { rateBitsPerSecond: parseRate(vif.rate) }) })),
  };
}

function resolvePci(pci: HostPolicyDocument['pci'], policyDir: string): PciSource {
  if (pci === undefined) return { kind: 'sysfs', root: policyDefaults.pciSysfsRoot };
  return 'fixture' in pci ? { kind: 'fixture', path: resolve(policyDir, pci.fixture) } : { kind: 'sysfs', root: resolve(policyDir, pci.sysfs) };
}

function resolveRestart(restart: RestartDocument): RestartSchedule {
  return typeof restart === 'object' ? { kind: 'every', periodMs: parseDuration(restart.every) } : { kind: restart };
}
