import type { HostPolicy } from './types.js';

/** A guest device a runtime grant wires: a virtual block device (by vdev) or a vif (by MAC). */
export const DeviceKind = { vbd: 'vbd', vif: 'vif' } as const;
export type DeviceKind = (typeof DeviceKind)[keyof typeof DeviceKind];

/**
 * A runtime grant: while it lasts, `guest` may send requests about itself to `service`, the backend
 * of one of its devices. Issued by a principal holding `grant.issue` (the builder wiring a guest),
 * checked against the policy, enforced at the broker, recorded in the audit log.
 */
export interface LiveGrant {
  guest: string;
  service: string;
  device: { kind: DeviceKind; id: string };
  issuedBy: string;
}

export function sameGrant(a: LiveGrant, b: Omit<LiveGrant, 'issuedBy'>): boolean {
  return a.guest === b.guest && a.service === b.service && a.device.kind === b.device.kind && a.device.id === b.device.id;
}

export function describeGrant(grant: Omit<LiveGrant, 'issuedBy'>): string {
  return `${grant.guest}'s ${grant.device.kind} ${grant.device.id} served by ${grant.service}`;
}

/** Why the policy does not allow a grant, or undefined when it does: the device's backend must be that service. */
export function grantOutsidePolicy(policy: HostPolicy, grant: Omit<LiveGrant, 'issuedBy'>): string | undefined {
  const guest = policy.guests.find((candidate) => candidate.id === grant.guest);
  if (guest === undefined) return `the policy has no guest "${grant.guest}"`;
  const devices = grant.device.kind === DeviceKind.vbd ? guest.disks.map((disk) => ({ id: disk.vdev, backend: disk.backend })) : guest.vifs.map((vif) => ({ id: vif.mac, backend: vif.backend }));
  const device = devices.find((candidate) => candidate.id === grant.device.id);
  if (device === undefined) return `guest "${guest.id}" has no ${grant.device.kind} ${grant.device.id} in the policy`;
  if (device.backend !== grant.service) return `the policy has ${guest.id}'s ${grant.device.kind} ${grant.device.id} served by "${device.backend}", not "${grant.service}"`;
  return undefined;
}
