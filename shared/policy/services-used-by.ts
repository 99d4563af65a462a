import { type Capability, CapabilityKind, capabilitiesOf } from './capabilities.js';
import { roles } from './roles.js';
import { guestsServedBy } from './sharing.js';
import { type HostPolicy, Role, type ServicePolicy } from './types.js';

/** Which of a service's requests another may send: all, or only those about some guests (or any guest). */
export type UseScope = { kind: 'any' } | { kind: 'guests'; guests: string[] } | { kind: 'allGuests' };

/** A service another may send requests to, how far, and why it may. */
export interface ServiceUse {
  service: ServicePolicy;
  scope: UseScope;
  because: string[];
}

/**
 * The services a principal (a service VM or a guest) may send requests to: for a service, all
 * services of the roles its role uses, those it names in `uses`, the builders its `vm.manage`
 * reaches (for the guests in its scope), and its explicit grants; for a guest, its explicit grants.
 */
export function serviceUses(policy: HostPolicy, principal: string): ServiceUse[] {
  const uses = new Map<string, ServiceUse>();
  const add = (service: ServicePolicy, scope: UseScope, because: string) => {
    if (service.id === principal) return;
    const use = uses.get(service.id);
    if (use === undefined) uses.set(service.id, { service, scope, because: [because] });
    else {
      use.scope = widest(use.scope, scope);
      use.because.push(because);
    }
  };
  const user = policy.services.find((candidate) => candidate.id === principal);
  if (user !== undefined) {
    for (const role of roles[user.role].uses) {
      for (const service of policy.services.filter((candidate) => candidate.role === role)) add(service, { kind: 'any' }, `role ${user.role} uses ${role} services`);
    }
    for (const id of user.uses) {
      const service = policy.services.find((candidate) => candidate.id === id);
      if (service !== undefined) add(service, { kind: 'any' }, `service ${user.id} lists "${id}" in uses`);
    }
    for (const capability of capabilitiesOf(policy.privileges, user.role)) {
      if (capability.kind !== CapabilityKind.vmManage) continue;
      const scope = manageScope(policy, user, capability);
      for (const builder of policy.services.filter((candidate) => candidate.role === Role.builder)) add(builder, scope, `role ${user.role} holds ${describeManage(capability)}: it manages ${describeManaged(capability, scope)} through the builder`);
    }
  }
  for (const grant of policy.grants.filter((candidate) => candidate.principal === principal)) {
    const service = policy.services.find((candidate) => candidate.id === grant.service);
    const isGuest = user === undefined;
    const guests = isGuest ? [principal] : grant.guests;
    if (service !== undefined) add(service, guests === undefined ? { kind: 'any' } : { kind: 'guests', guests }, grant.because ?? `the policy grants ${principal} requests to ${grant.service}${guests === undefined ? '' : ` about ${guests.join(', ')}`}`);
  }
  return [...uses.values()];
}

export function servicesUsedBy(policy: HostPolicy, user: ServicePolicy): ServicePolicy[] {
  return serviceUses(policy, user.id).map((use) => use.service);
}

function manageScope(policy: HostPolicy, user: ServicePolicy, capability: Extract<Capability, { kind: 'vm.manage' }>): UseScope {
  switch (capability.scope.kind) {
    case 'all':
      return { kind: 'allGuests' };
    case 'own':
      return { kind: 'guests', guests: guestsServedBy(policy, user.id) };
    case 'tenant': {
      const tenant = capability.scope.tenant;
      return { kind: 'guests', guests: policy.guests.filter((guest) => guest.tenant === tenant).map((guest) => guest.id) };
    }
  }
}

function describeManage(capability: Extract<Capability, { kind: 'vm.manage' }>): string {
  const { scope } = capability;
  return `vm.manage:${scope.kind === 'all' ? '*' : scope.kind === 'own' ? 'own' : `tenant:${scope.tenant}`}`;
}

function describeManaged(capability: Extract<Capability, { kind: 'vm.manage' }>, scope: UseScope): string {
  const guests = scope.kind === 'guests' ? ` (${scope.guests.length === 0 ? 'none' : scope.guests.join(', ')})` : '';
  switch (capability.scope.kind) {
    case 'all':
      return 'every guest';
    case 'own':
      return `the guests it serves${guests}`;
    case 'tenant':
      return `the guests of tenant ${capability.scope.tenant}${guests}`;
  }
}

function widest(a: UseScope, b: UseScope): UseScope {
  if (a.kind === 'any' || b.kind === 'any') return { kind: 'any' };
  if (a.kind === 'allGuests' || b.kind === 'allGuests') return { kind: 'allGuests' };
  return { kind: 'guests', guests: [...new Set([...a.guests, ...b.guests])] };
}
