import { join } from 'node:path';
import { fromPromise } from 'xstate';
import { BlockRing } from '../../shared/devices/block/block-ring.js';
import { blockFailure, type BlockReply, type BlockRequest } from '../../shared/devices/block/block-wire.js';
import { DiskImage, SECTOR_SIZE } from '../../shared/devices/block/disk-image.js';
import { diskImageName } from '../../shared/devices/block/disk-image-name.js';
import { serveBlockRequest } from '../../shared/devices/block/serve-block-request.js';
import { XoarError } from '../../shared/errors/xoar-error.js';
import { backendDeviceMachine, type DeviceAtBackend } from '../../shared/xenbus/backend-device-machine.js';
import { backendMachine } from '../../shared/xenbus/backend-machine.js';
import { DeviceNode } from '../../shared/xenbus/device-paths.js';
import { deviceKey, deviceOfKey, type GuestDevice, guestDeviceAt } from '../../shared/xenbus/guest-device.js';

/** Requests in flight per disk: a front-end that sends more is told to back off. */
export const RING_DEPTH = 32;

export class DiskNotConnectedError extends XoarError {
  constructor(guest: string, devid: string) {
    super('disk-not-connected', `guest "${guest}" has no connected disk ${devid} on this backend`, {
      hint: 'the front-end connects through XenStore first (xenbus); it retries once the backend is Connected again',
    });
  }
}

interface OpenDisk {
  image: DiskImage;
  ring: BlockRing;
}

/** One row of the open-device table: a guest (by name) and its disk (by devid). */
export interface OpenDevice {
  device: string;
  guest: string;
}

/**
 * The disks a block backend serves, by guest name and devid: opened when a front-end connects
 * (xenbus), each from its own sparse image in the backend's directory (diskImageName), and
 * closed when it disconnects. Requests reach only the disks of the guest the broker vouched for.
 */
export class BlockDisks {
  private readonly open = new Map<string, OpenDisk>();

  constructor(
    private readonly imageDir: string,
    /** Told the open-device table whenever it changes. */
    private readonly changed: (table: OpenDevice[]) => void,
  ) {}

  table(): OpenDevice[] {
    return [...this.open.keys()].map(deviceOfKey).map(({ guest, devid }) => ({ guest, device: devid }));
  }

  async closeAll(): Promise<void> {
    const disks = [...this.open.values()];
    this.open.clear();
    await Promise.all(disks.map((disk) => disk.image.close()));
  }

  /** The backend machine for this backend's vbds, with its devices opened and closed here. */
  machine() {
    return backendMachine.provide({
      actors: {
        device: backendDeviceMachine.provide({
          actors: {
            openDevice: fromPromise<Record<string, string>, DeviceAtBackend>(({ input }) => this.openDisk(input)),
            closeDevice: fromPromise<void, DeviceAtBackend>(({ input }) => this.closeDisk(input)),
          },
        }),
      },
    });
  }

  async serve(device: GuestDevice, request: BlockRequest): Promise<BlockReply> {
    const disk = this.open.get(deviceKey(device));
    if (disk === undefined) return blockFailure(request.id, new DiskNotConnectedError(device.guest, device.devid));
    return serveBlockRequest(disk.image, disk.ring, request);
  }

  private async openDisk(at: DeviceAtBackend): Promise<Record<string, string>> {
    const device = guestDeviceAt(at);
    const key = deviceKey(device);
    const image = await DiskImage.open(join(this.imageDir, diskImageName(device.guest, String(at.nodes[DeviceNode.params]))), Number(at.nodes[DeviceNode.size]));
    await this.open.get(key)?.image.close();
    this.open.set(key, { image, ring: new BlockRing(RING_DEPTH) });
    this.changed(this.table());
    return {
      [DeviceNode.sectors]: String(image.sizeBytes / SECTOR_SIZE),
      [DeviceNode.sectorSize]: String(SECTOR_SIZE),
      [DeviceNode.info]: '0',
      [DeviceNode.featureFlushCache]: '1',
      [DeviceNode.featureDiscard]: '1',
    };
  }

  private async closeDisk(at: DeviceAtBackend): Promise<void> {
    const key = deviceKey(guestDeviceAt(at));
    const disk = this.open.get(key);
    this.open.delete(key);
    this.changed(this.table());
    await disk?.image.close();
  }
}
