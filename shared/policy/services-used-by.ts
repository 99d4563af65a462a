import { roles } from './roles.js';
import type { HostPolicy, ServicePolicy } from './types.js';

/** A service another may send requests to, and why it may. */
export interface ServiceUse {
  service: ServicePolicy;
  because: string[];
}

/** The services `user` may send requests to: all services of the roles its role uses, and those it names in `uses`. */
export function serviceUses(policy: HostPolicy, user: ServicePolicy): ServiceUse[] {
  const uses = new Map<string, ServiceUse>();
  const add = (service: ServicePolicy, because: string) => {
    if (service.id === user.id) return;
    const use = uses.get(service.id) ?? { service, because: [] };
    use.because.push(because);
    uses.set(service.id, use);
  };
  for (const role of roles[user.role].uses) {
    for (const service of policy.services.filter((candidate) => candidate.role === role)) {
      add(service, `role ${user.role} uses ${role} services`);
    }
  }
  for (const id of user.uses) {
    const service = policy.services.find((candidate) => candidate.id === id);
    if (service !== undefined) add(service, `service ${user.id} lists "${id}" in uses`);
  }
  return [...uses.values()];
}

export function servicesUsedBy(policy: HostPolicy, user: ServicePolicy): ServicePolicy[] {
  return serviceUses(policy, user).map((use) => use.service);
}
