import type { HostPolicy } from './types.js';

/**
 * Domain ids, as XenStore sees them. 0 is the control domain: the supervisor and the operator's
 * tools on the XenStore socket. Service VMs get 1, 2, … in policy order, for the host's life.
 */
export const CONTROL_DOMID = 0;

export function serviceDomid(policy: HostPolicy, serviceId: string): number {
  const index = policy.services.findIndex((service) => service.id === serviceId);
  if (index < 0) throw new RangeError(`no service "${serviceId}" in the policy of host ${policy.host.name}`);
  return index + 1;
}
