import { SupervisorOp } from '../../shared/bus/subjects.js';
import { assignDevices, type DeviceAssignment } from '../../shared/pci/assign-devices.js';
import { enumeratePciDevices } from '../../shared/pci/enumerate-pci-devices.js';
import type { PciDevice } from '../../shared/pci/pci-device.js';
import { type PciSource, Role } from '../../shared/policy/types.js';
import type { ServiceDefinition } from '../../shared/service/service-definition.js';

/** What the supervisor hands PCI Config: where devices are listed and which service gets which. */
export interface PciConfigConfig {
  pci: PciSource;
  policySource: string;
  services: Array<{ id: string; devices: string[] }>;
}

/** The report PCI Config sends with `pci.assign`. */
export interface PciAssignment {
  devices: PciDevice[];
  assignments: DeviceAssignment[];
}

let devices: PciDevice[] = [];

/** PCI Config: enumerates the host's PCI functions, reports who gets which, then is retired. */
export const pciConfigService: ServiceDefinition = {
  role: Role.pciConfig,
  init: async (ctx) => {
    devices = await enumeratePciDevices(configOf(ctx.spec.config).pci);
    ctx.log.info('enumerated PCI devices', { count: devices.length });
  },
  run: async (ctx) => {
    const config = configOf(ctx.spec.config);
    const report: PciAssignment = { devices, assignments: assignDevices(devices, { source: config.policySource, services: config.services }) };
    await ctx.requestSupervisor(SupervisorOp.pciAssign, report);
    ctx.reportDone();
  },
};

function configOf(config: Record<string, unknown>): PciConfigConfig {
  return config as unknown as PciConfigConfig;
}
