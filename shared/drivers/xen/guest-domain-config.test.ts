import { describe, expect, it } from 'vitest';
import type { GuestConfig } from '../../guest/guest-config.js';
import { XenConfigInvalidError } from './errors.js';
import { guestDomainConfig, type GuestBackend, type GuestDomainInput } from './guest-domain-config.js';

const backends: Record<string, GuestBackend> = {
  'blk-shared': { domain: 'h1-blk-shared-4', imageDir: '/var/lib/xoar/state/blk-shared' },
  'net-a': { domain: 'h1-net-a-2' },
};
const backendOf = (id: string) => backends[id];

function guest(config: Partial<GuestConfig> = {}): GuestDomainInput {
  return {
    name: 'h1-web-1',
    memoryBytes: 512 * 2 ** 20,
    vcpus: 2,
    image: { kernel: '/boot/vmlinuz-guest' },
    config: {
      id: 'web-1',
      domid: 12,
      tenant: 'a',
      disks: [{ vdev: 'xvda', devid: 51712, backend: 'blk-shared', backendDomid: 4, sizeBytes: 2 ** 30 }],
      vifs: [{ mac: '00:16:3e:10:00:01', devid: 0, backend: 'net-a', backendDomid: 5 }],
      workload: null,
      ...config,
    },
  };
}

describe('the xl.cfg of a guest domain', () => {
  it("has each disk served by its block service VM's domain, from the image the block service opens", () => {
    const config = new Map(guestDomainConfig(guest(), backendOf));
    expect(config.get('disk')).toEqual(['backend=h1-blk-shared-4,format=raw,vdev=xvda,access=rw,target=/var/lib/xoar/state/blk-shared/web-1.xvda.img']);
  });

  it("has each vif served by its network service VM's domain, with the guest's MAC", () => {
    expect(new Map(guestDomainConfig(guest(), backendOf)).get('vif')).toEqual(['backend=h1-net-a-2,mac=00:16:3e:10:00:01']);
  });

  it("is an ordinary guest to XSM, sized by the policy, and destroyed whenever it ends", () => {
    const config = new Map(guestDomainConfig(guest(), backendOf));
    expect(Object.fromEntries([...config].filter(([key]) => ['name', 'type', 'memory', 'maxmem', 'vcpus', 'seclabel', 'on_poweroff', 'on_reboot', 'on_crash'].includes(key)))).toEqual({
      name: 'h1-web-1',
      type: 'pv',
      memory: 512,
      maxmem: 512,
      vcpus: 2,
      seclabel: 'system_u:system_r:domU_t',
      on_poweroff: 'destroy',
      on_reboot: 'destroy',
      on_crash: 'destroy',
    });
  });

  it('writes a rate limit in the largest unit xl can read it in', () => {
    const rated = (rateBitsPerSecond: number) => new Map(guestDomainConfig(guest({ vifs: [{ mac: '00:16:3e:10:00:01', devid: 0, backend: 'net-a', backendDomid: 5, rateBitsPerSecond }] }), backendOf)).get('vif');
    expect(rated(8_000_000)).toEqual(['backend=h1-net-a-2,mac=00:16:3e:10:00:01,rate=8000000b/s']);
    expect(rated(10_000_000_000)).toEqual(['backend=h1-net-a-2,mac=00:16:3e:10:00:01,rate=10000000Kb/s']);
    expect(() => rated(4_294_967_296_001)).toThrow(/cannot be written as xl's rate/);
  });

  it('refuses a device whose back-end has no running domain, saying what to start', () => {
    const orphan = () => guestDomainConfig(guest(), (id) => (id === 'net-a' ? backends['net-a'] : undefined));
    expect(orphan).toThrow(XenConfigInvalidError);
    expect(orphan).toThrow(expect.objectContaining({ field: 'disk', hint: 'start service VM "blk-shared" before the guest' }));
  });

  it('refuses a disk whose back-end keeps no disk images', () => {
    expect(() => guestDomainConfig(guest(), () => ({ domain: 'h1-net-a-2' }))).toThrow(/served by "blk-shared", which keeps no disk images/);
  });
});
