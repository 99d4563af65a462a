import type { InstanceSpec } from '../../shared/drivers/driver.js';
import { servicesUsedBy } from '../../shared/policy/services-used-by.js';
import { type HostPolicy, Role, type ServicePolicy } from '../../shared/policy/types.js';

/** The declared initial state of a service VM: what its instance receives at start. */
export function instanceSpec(policy: HostPolicy, service: ServicePolicy, natsUrl: string, instance: number, seed: string): InstanceSpec {
  return {
    host: policy.host.name,
    id: service.id,
    role: service.role,
    instance,
    natsUrl,
    seed,
    heartbeatMs: policy.watchdog.heartbeatMs,
    config: { uses: servicesUsedBy(policy, service).map((used) => used.id), ...roleConfig(policy, service) },
    readPaths: service.role === Role.pciConfig ? [pciPath(policy)] : [],
  };
}

function roleConfig(policy: HostPolicy, service: ServicePolicy): Record<string, unknown> {
  switch (service.role) {
    case Role.pciConfig:
      return { pci: policy.pci, policySource: policy.source, services: policy.services.map(({ id, devices }) => ({ id, devices })) };
    case Role.block:
    case Role.network:
      return { devices: service.devices };
    default:
      return {};
  }
}

function pciPath(policy: HostPolicy): string {
  return policy.pci.kind === 'sysfs' ? policy.pci.root : policy.pci.path;
}
