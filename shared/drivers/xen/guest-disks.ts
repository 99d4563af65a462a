import { join } from 'node:path';
import { diskImageName } from '../../devices/block/disk-image-name.js';
import type { GuestConfig } from '../../guest/guest-config.js';
import type { DriverDomain } from './driver-domains.js';
import { XenConfigInvalidError } from './errors.js';
import { domainPath } from './identity.js';
import type { XenstoreEntry } from './toolstack.js';
import { specString } from './xl-config-text.js';

/** The hotplug script `xl devd` runs for a guest's disk in the block driver domain (deploy/xen/lab/xoar-guest-disk.sh). */
export const GUEST_DISK_SCRIPT = 'xoar-guest-disk';

/** A guest's disk as a Xen vbd: what `xl block-attach` is given, and what its driver domain is told first. */
export interface GuestVbd {
  /** The block service that serves it. */
  service: string;
  /** Its device in the guest (xvdc on). */
  vdev: string;
  /** The disk spec (xl-disk-configuration(5)) for `xl block-attach`. */
  disk: string;
  /** The image's size, under the driver domain's own `xoar/guest-disks/`, for the hotplug script to create the image with. */
  size: XenstoreEntry;
}

/**
 * The service image takes xvda (its root disk) and xvdb (a service VM's own disk): a guest's
 * disks follow, in policy order, from xvdc.
 */
export function guestDiskVdev(index: number, source: string): string {
  const letter = 'c'.charCodeAt(0) + index;
  if (letter > 'z'.charCodeAt(0)) throw new XenConfigInvalidError('disk', source, `it has ${index + 1} disks; a domain of the service image takes at most 24 (xvdc to xvdz)`, 'give the guest fewer disks');
  return `xvd${String.fromCharCode(letter)}`;
}

/**
 * Each of a guest's disks as a Xen vbd whose back-end is the block driver domain that serves it
 * (blkback there, set up by `xl devd`), on the very image that domain's block service keeps for
 * it (diskImageName, in its directory).
 */
export function guestVbds(config: GuestConfig, blockDomainOf: (serviceId: string) => DriverDomain | undefined): GuestVbd[] {
  const source = `guest "${config.id}"`;
  return config.disks.map((disk, index) => {
    const backend = blockDomainOf(disk.backend);
    if (backend?.dir === undefined) {
      throw new XenConfigInvalidError('disk', source, `its disk ${disk.vdev} is served by "${disk.backend}", which runs as no block driver domain of this driver`, `start the block service "${disk.backend}" (a service with role block) before the guest`);
    }
    const target = join(backend.dir, diskImageName(config.id, disk.vdev));
    const vdev = guestDiskVdev(index, source);
    const spec = specString('disk', [['backend', backend.name], ['vdev', vdev], ['format', 'raw'], ['access', 'rw'], ['script', GUEST_DISK_SCRIPT], ['target', target]], source);
    const size = { path: `${domainPath(backend.domid)}/xoar/guest-disks/${config.id}/${disk.vdev}`, value: String(disk.sizeBytes), perms: ['n0', `r${backend.domid}`] };
    return { service: disk.backend, vdev, disk: spec, size };
  });
}
