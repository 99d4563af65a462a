import type { DeviceAtBackend } from './backend-device-machine.js';
import { DeviceNode } from './device-paths.js';

/** One device of one guest, as a backend knows it: the guest's name (its requests carry it) and the devid. */
export interface GuestDevice {
  guest: string;
  devid: string;
}

/** The device a back-end directory (`…/backend/<kind>/<guest domid>/<devid>`) is for. */
export function guestDeviceAt({ dir, nodes }: DeviceAtBackend): GuestDevice {
  return { guest: nodes[DeviceNode.guestName] ?? '', devid: dir.slice(dir.lastIndexOf('/') + 1) };
}

/** A key for maps of devices, and back: `<guest>/<devid>` (a guest id has no `/`). */
export function deviceKey(device: GuestDevice): string {
  return `${device.guest}/${device.devid}`;
}

export function deviceOfKey(key: string): GuestDevice {
  const slash = key.lastIndexOf('/');
  return { guest: key.slice(0, slash), devid: key.slice(slash + 1) };
}
