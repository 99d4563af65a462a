import type { HostPolicy, ServicePolicy } from '../policy/types.js';
import { PciDeviceMissingError } from './errors.js';
import type { MissingDevice } from './errors.js';
import type { PciDevice } from './pci-device.js';

export interface DeviceAssignment {
  bdf: string;
  /** The driver VM's service id. */
  service: string;
  class: number;
}

/**
 * Which service holds which device. Only devices a service names in the policy are assigned;
 * every other device goes to nobody. Fails, assigning nothing, if the policy names a device the
 * host does not have.
 */
/** The part of a policy that says who holds which device. */
export type DevicePolicy = Pick<HostPolicy, 'source'> & { services: ReadonlyArray<Pick<ServicePolicy, 'id' | 'devices'>> };

export function assignDevices(devices: readonly PciDevice[], policy: DevicePolicy): DeviceAssignment[] {
  const byBdf = new Map(devices.map((device) => [device.bdf, device]));
  const assignments: DeviceAssignment[] = [];
  const missing: MissingDevice[] = [];
  for (const service of policy.services) {
    for (const bdf of service.devices) {
      const device = byBdf.get(bdf);
      if (device === undefined) {
        missing.push({ bdf, service: service.id });
      } else {
        assignments.push({ bdf, service: service.id, class: device.class });
      }
    }
  }
  if (missing.length > 0) throw new PciDeviceMissingError(missing, policy.source);
  return assignments;
}
