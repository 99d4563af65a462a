import { describe, expect, it } from 'vitest';
import type { GuestConfig } from '../../guest/guest-config.js';
import { XenConfigInvalidError } from './errors.js';
import type { DriverDomain } from './driver-domains.js';
import { guestDiskVdev, guestVbds } from './guest-disks.js';

const disk = (vdev: string, backend: string) => ({ vdev, devid: 0, backend, backendDomid: 0, sizeBytes: 2 ** 24 });
const config = (disks: GuestConfig['disks']): GuestConfig => ({ id: 'web-1', domid: 9, tenant: 'acme', disks, vifs: [], workload: null });
const domains: Record<string, DriverDomain> = { 'blk-a': { name: 'h1-blk-a-3', domid: 14, dir: '/var/lib/xoar/blk-a' }, 'blk-b': { name: 'h1-blk-b-1', domid: 15, dir: '/srv/b' }, net: { name: 'h1-net-1', domid: 16, dir: undefined } };

describe("a guest's disks as Xen vbds", () => {
  it('puts each on the image its block service keeps for it, in the driver domain that serves it, from xvdc on', () => {
    const vbds = guestVbds(config([disk('xvda', 'blk-a'), disk('xvdb', 'blk-b')]), (id) => domains[id]);
    expect(vbds.map(({ disk: spec }) => spec)).toEqual([
      'backend=h1-blk-a-3,vdev=xvdc,format=raw,access=rw,script=xoar-guest-disk,target=/var/lib/xoar/blk-a/web-1.xvda.img',
      'backend=h1-blk-b-1,vdev=xvdd,format=raw,access=rw,script=xoar-guest-disk,target=/srv/b/web-1.xvdb.img',
    ]);
    expect(vbds.map(({ service, vdev }) => [service, vdev])).toEqual([['blk-a', 'xvdc'], ['blk-b', 'xvdd']]);
    expect(vbds[1]!.size).toEqual({ path: '/local/domain/15/xoar/guest-disks/web-1/xvdb', value: String(2 ** 24), perms: ['n0', 'r15'] });
  });

  it('says which disk names a block service that is not running as a block driver domain', () => {
    expect(() => guestVbds(config([disk('xvda', 'blk-a'), disk('xvdb', 'blk-z')]), (id) => domains[id])).toThrow('guest "web-1": its disk xvdb is served by "blk-z"');
    expect(() => guestVbds(config([disk('xvda', 'net')]), (id) => domains[id])).toThrow('its disk xvda is served by "net", which runs as no block driver domain');
  });

  it('has room for 24 disks, xvdc to xvdz', () => {
    expect(guestDiskVdev(23, 'guest "web-1"')).toBe('xvdz');
    expect(() => guestDiskVdev(24, 'guest "web-1"')).toThrow(XenConfigInvalidError);
  });
});
