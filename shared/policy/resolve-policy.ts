import { dirname, resolve } from 'node:path';
import { DEFAULT_XENSTORE_QUOTAS } from '../xenstore/quotas.js';
import { parseDuration } from './duration.js';
import type { HostPolicyDocument, RestartDocument } from './policy-document.js';
import { policyDefaults } from './policy-defaults.js';
import type { HostPolicy, PciSource, RestartSchedule } from './types.js';

/** Applies defaults and converts units. Assumes the document passed the schema and `checkPolicy`. */
export function resolvePolicy(document: HostPolicyDocument, file: string): HostPolicy {
  const { watchdog = {}, restartBudget = {} } = document;
  const backoff = restartBudget.backoff ?? {};
  return {
    version: 1,
    host: { name: document.host.name, driver: document.host.driver ?? policyDefaults.driver },
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
    services: document.services.map((service) => ({
      id: service.id,
      role: service.role,
      restart: resolveRestart(service.restart ?? policyDefaults.restart),
      devices: service.devices ?? [],
      uses: service.uses ?? [],
    })),
    source: file,
  };
}

function resolvePci(pci: HostPolicyDocument['pci'], policyDir: string): PciSource {
  if (pci === undefined) return { kind: 'sysfs', root: policyDefaults.pciSysfsRoot };
  return 'fixture' in pci ? { kind: 'fixture', path: resolve(policyDir, pci.fixture) } : { kind: 'sysfs', root: resolve(policyDir, pci.sysfs) };
}

function resolveRestart(restart: RestartDocument): RestartSchedule {
  return typeof restart === 'object' ? { kind: 'every', periodMs: parseDuration(restart.every) } : { kind: restart };
}
