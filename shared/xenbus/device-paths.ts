/**
 * Where a split device lives in XenStore, as Xen's toolstack lays it out
 * (docs/misc/xenstore-paths.pandoc): every path is built here.
 *
 *   /local/domain/<guest>/device/<kind>/<devid>/…                 the front-end, owned by the guest
 *   /local/domain/<backend>/backend/<kind>/<guest>/<devid>/…      the back-end, owned by the backend domain
 */
import type { DeviceKind } from '../policy/live-grants.js';

/** Node names inside a device directory. */
export const DeviceNode = {
  // Both ends.
  state: 'state',
  // The front-end's.
  backend: 'backend',
  backendId: 'backend-id',
  virtualDevice: 'virtual-device',
  deviceType: 'device-type',
  // The back-end's, written by the toolstack.
  frontend: 'frontend',
  frontendId: 'frontend-id',
  online: 'online',
  params: 'params',
  mode: 'mode',
  dev: 'dev',
  removable: 'removable',
  bootable: 'bootable',
  /** xoar's own: the size in bytes the backend creates a disk's image with (blkback reads it from its physical device). */
  size: 'size',
  /** xoar's own: the guest's name, which its requests on the bus carry (the broker vouches for it). */
  guestName: 'xoar-guest',
  // The back-end's, written by the backend when it connects (blkif.h).
  sectors: 'sectors',
  sectorSize: 'sector-size',
  info: 'info',
  featureFlushCache: 'feature-flush-cache',
  featureDiscard: 'feature-discard',
  // A vif's, both ends.
  handle: 'handle',
  mac: 'mac',
  /** A vif's, at the backend: the most the guest may send, in bits per second (xoar's unit; libxl writes bytes per interval). */
  rate: 'rate',
} as const;
export type DeviceNode = (typeof DeviceNode)[keyof typeof DeviceNode];

function domid(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= 0x7ff0) throw new RangeError(`domain id ${value} is not an integer from 0 to 32751`);
  return value;
}

function devid(value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`device id ${value} is not a non-negative integer`);
  return value;
}

export const xenbusPaths = {
  domain: (id: number) => `/local/domain/${domid(id)}`,
  frontend: (guest: number, kind: DeviceKind, id: number) => `/local/domain/${domid(guest)}/device/${kind}/${devid(id)}`,
  /** All the back-ends of one kind a domain serves: what a backend watches for new devices. */
  backends: (backend: number, kind: DeviceKind) => `/local/domain/${domid(backend)}/backend/${kind}`,
  backend: (backend: number, kind: DeviceKind, guest: number, id: number) => `/local/domain/${domid(backend)}/backend/${kind}/${domid(guest)}/${devid(id)}`,
  node: (dir: string, node: DeviceNode) => `${dir}/${node}`,
} as const;
