import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy/load-policy.js';
import type { HostPolicy } from '../policy/types.js';
import { assignDevices } from './assign-devices.js';
import { enumeratePciDevices } from './enumerate-pci-devices.js';
import { PciDeviceMissingError } from './errors.js';
import type { PciDevice } from './pci-device.js';

let policy: HostPolicy;
let devices: PciDevice[];
beforeAll(async () => {
  policy = await loadPolicy(fileURLToPath(new URL('../../policies/default.json', import.meta.url)));
  devices = await enumeratePciDevices(policy.pci);
});

describe('assignDevices', () => {
  it('gives the default policy its storage device to blk-shared and its network device to net-shared, and nothing else to anyone', () => {
    expect(assignDevices(devices, policy)).toEqual([
      { bdf: '0000:00:04.0', service: 'blk-shared', class: 0x018000 },
      { bdf: '0000:00:03.0', service: 'net-shared', class: 0x020000 },
    ]);
  });

  it('assigns nothing when no service names a device', () => {
    const bare = { ...policy, services: policy.services.map((service) => ({ ...service, devices: [] })) };
    expect(assignDevices(devices, bare)).toEqual([]);
  });

  it('fails, naming each device and its service, when the policy names devices the host lacks', () => {
    const onlyBridge = devices.filter((device) => device.bdf === '0000:00:00.0');
    let error: unknown;
    try {
      assignDevices(onlyBridge, policy);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PciDeviceMissingError);
    expect((error as PciDeviceMissingError).missing).toEqual([
      { bdf: '0000:00:04.0', service: 'blk-shared' },
      { bdf: '0000:00:03.0', service: 'net-shared' },
    ]);
    expect((error as PciDeviceMissingError).message).toContain('0000:00:04.0 (assigned to "blk-shared")');
    expect((error as PciDeviceMissingError).hint).toContain(policy.source);
  });
});
