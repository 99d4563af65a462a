import { describe, expect, it } from 'vitest';
import type { GuestConfig } from '../../guest/guest-config.js';
import type { DriverDomain } from './driver-domains.js';
import { guestVifs } from './guest-vifs.js';

const config = (vifs: GuestConfig['vifs']): GuestConfig => ({ id: 'web-1', domid: 9, tenant: 'acme', disks: [], vifs, workload: null });
const domains: Record<string, DriverDomain> = { 'net-a': { name: 'h1-net-a-2', domid: 21, dir: undefined } };

describe("a guest's vifs as Xen vifs", () => {
  it('puts each on the guest bridge of the network driver domain that serves it, with its MAC, and its rate when it has one, a setting per argument', () => {
    const vifs = guestVifs(config([{ mac: '00:16:3e:00:00:01', devid: 0, backend: 'net-a', backendDomid: 5 }, { mac: '00:16:3e:00:00:02', devid: 1, backend: 'net-a', backendDomid: 5, rateBitsPerSecond: 1_000_000 }]), (id) => domains[id]);
    expect(vifs).toEqual([
      { service: 'net-a', mac: '00:16:3e:00:00:01', settings: ['backend=h1-net-a-2', 'mac=00:16:3e:00:00:01', 'bridge=xoarguests'] },
      { service: 'net-a', mac: '00:16:3e:00:00:02', settings: ['backend=h1-net-a-2', 'mac=00:16:3e:00:00:02', 'bridge=xoarguests', 'rate=1000000b/s'] },
    ]);
  });

  it('says which vif names a network service that is not running', () => {
    expect(() => guestVifs(config([{ mac: '00:16:3e:00:00:01', devid: 0, backend: 'net-z', backendDomid: 5 }]), (id) => domains[id])).toThrow('guest "web-1": its vif 00:16:3e:00:00:01 is served by "net-z", which runs as no network driver domain');
  });
});
