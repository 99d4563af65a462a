import { join } from 'node:path';
import type { InstanceSpec } from '../../shared/drivers/driver.js';
import { capabilitiesOf, CapabilityKind } from '../../shared/policy/capabilities.js';
import { serviceDomid } from '../../shared/policy/domids.js';
import { servicesUsedBy } from '../../shared/policy/services-used-by.js';
import { guestsServedBy } from '../../shared/policy/sharing.js';
import { type HostPolicy, Role, type ServicePolicy } from '../../shared/policy/types.js';
import { type GuestConfig, GUEST_ROLE } from '../../shared/guest/guest-config.js';
import { guestOpTimeoutMs } from '../../shared/guest/guest-ops.js';
import type { XenstoreDelegation } from '../../shared/xenstore/delegation.js';

export interface HostWiring {
  natsUrl: string;
  /** Where service VMs that keep durable state get a directory each. */
  serviceStateRoot: string;
}

/** The declared initial state of a service VM: what its instance receives at start. */
export function instanceSpec(policy: HostPolicy, service: ServicePolicy, wiring: HostWiring, instance: number, seed: string): InstanceSpec {
  const used = servicesUsedBy(policy, service);
  return {
    host: policy.host.name,
    id: service.id,
    role: service.role,
    instance,
    natsUrl: wiring.natsUrl,
    seed,
    heartbeatMs: policy.watchdog.heartbeatMs,
    ...(service.limits.memoryBytes === undefined ? {} : { memoryLimitBytes: service.limits.memoryBytes }),
    config: { uses: used.map(({ id }) => id), domid: serviceDomid(policy, service.id), ...roleConfig(policy, service, used) },
    readPaths: service.role === Role.pciConfig ? [pciPath(policy)] : [],
    writePaths: keepsFiles(service.role) ? [join(wiring.serviceStateRoot, service.id)] : [],
  };
}

/** Roles whose service VMs keep files of their own: XenStore-State its tree, a block backend its disk images. */
const KEEPS_FILES: ReadonlySet<Role> = new Set([Role.xenstoreState, Role.block]);

export function keepsFiles(role: Role): boolean {
  return KEEPS_FILES.has(role);
}

/** What a guest's process starts with: its spec, its config from the policy and its domain. */
export function guestSpec(policy: HostPolicy, config: GuestConfig, wiring: Pick<HostWiring, 'natsUrl'>, seed: string): InstanceSpec {
  return { host: policy.host.name, id: config.id, role: GUEST_ROLE, instance: 1, natsUrl: wiring.natsUrl, seed, heartbeatMs: policy.watchdog.heartbeatMs, config: { ...config }, readPaths: [], writePaths: [] };
}

function roleConfig(policy: HostPolicy, service: ServicePolicy, used: readonly ServicePolicy[]): Record<string, unknown> {
  switch (service.role) {
    case Role.pciConfig:
      return { pci: policy.pci, policySource: policy.source, services: policy.services.map(({ id, devices }) => ({ id, devices })) };
    case Role.xenstoreLogic:
      return { stateService: used.find(({ role }) => role === Role.xenstoreState)?.id, quotas: policy.xenstore.quotas, delegations: xenstoreDelegations(policy) };
    case Role.block:
    case Role.network:
      return { devices: service.devices };
    case Role.builder:
      return { guestOpTimeoutMs: guestOpTimeoutMs(policy.watchdog.startTimeoutMs) };
    case Role.toolstack:
      return { builder: policy.services.find(({ role }) => role === Role.builder)?.id, guests: guestsServedBy(policy, service.id), guestOpTimeoutMs: guestOpTimeoutMs(policy.watchdog.startTimeoutMs) };
    default:
      return {};
  }
}

/** The domains of the services whose role holds `xenstore.write:<path>`; XenStore-Logic's own gives it nothing. */
function xenstoreDelegations(policy: HostPolicy): XenstoreDelegation[] {
  return policy.services.flatMap((service) => {
    if (service.role === Role.xenstoreLogic) return [];
    const paths = capabilitiesOf(policy.privileges, service.role).flatMap((capability) => (capability.kind === CapabilityKind.xenstoreWrite ? [capability.path] : []));
    return paths.length === 0 ? [] : [{ domid: serviceDomid(policy, service.id), paths }];
  });
}

function pciPath(policy: HostPolicy): string {
  return policy.pci.kind === 'sysfs' ? policy.pci.root : policy.pci.path;
}
