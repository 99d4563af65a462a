import { DeviceKind } from '../policy/live-grants.js';
import { CONTROL_DOMID } from '../policy/domids.js';
import { XsAccess } from '../xenstore/permissions.js';
import type { XsPermission } from '../xenstore/permissions.js';
import { DeviceNode, xenbusPaths } from './device-paths.js';
import { vbdDevid } from './vbd-devid.js';
import { formatXenbusState, XenbusState } from './xenbus-state.js';

/** A directory as the toolstack creates it: its path, who may see it, its first nodes. */
export interface XenstoreDirectory {
  readonly path: string;
  /** Owner first, then who else may read or write. */
  readonly perms: readonly XsPermission[];
  readonly nodes: Readonly<Record<string, string>>;
}

export interface DeviceEntries {
  readonly frontend: XenstoreDirectory;
  readonly backend: XenstoreDirectory;
}

/**
 * A domain's home, as libxl creates it when it builds the domain: owned by the control domain,
 * readable by the domain, so that it sees (and gets watch events for) what is created below.
 */
export function domainHome(domid: number): XenstoreDirectory {
  return {
    path: xenbusPaths.domain(domid),
    perms: [
      { domid: CONTROL_DOMID, access: XsAccess.none },
      { domid, access: XsAccess.read },
    ],
    nodes: { domid: String(domid) },
  };
}

export interface VbdDevice {
  guest: number;
  guestName: string;
  backend: number;
  /** `xvda`, … */
  vdev: string;
  /** Which image the backend serves: its own name for it. */
  params: string;
  sizeBytes: number;
}

export interface VifDevice {
  guest: number;
  guestName: string;
  backend: number;
  /** The interface's number in the guest: 0 for the first. */
  index: number;
  mac: string;
  /** The most the guest may send, in bits per second; no limit when absent. */
  rateBitsPerSecond?: number;
}

/** The nodes libxl writes for a disk: both ends Initialising, the backend online, read-write. */
export function vbdEntries(device: VbdDevice): DeviceEntries {
  const devid = vbdDevid(device.vdev);
  return pair(device, DeviceKind.vbd, devid, {
    frontend: { [DeviceNode.virtualDevice]: String(devid), [DeviceNode.deviceType]: 'disk' },
    backend: {
      [DeviceNode.params]: device.params,
      [DeviceNode.size]: String(device.sizeBytes),
      [DeviceNode.mode]: 'w',
      [DeviceNode.dev]: device.vdev,
      [DeviceNode.deviceType]: 'disk',
      [DeviceNode.removable]: '0',
      [DeviceNode.bootable]: '1',
    },
  });
}

/** The nodes libxl writes for a network interface. */
export function vifEntries(device: VifDevice): DeviceEntries {
  const shared = { [DeviceNode.handle]: String(device.index), [DeviceNode.mac]: device.mac };
  const backend: Record<string, string> = { ...shared };
  if (device.rateBitsPerSecond !== undefined) backend[DeviceNode.rate] = String(device.rateBitsPerSecond);
  return pair(device, DeviceKind.vif, device.index, { frontend: shared, backend });
}

function pair(
  device: { guest: number; guestName: string; backend: number },
  kind: DeviceKind,
  devid: number,
  own: { frontend: XenstoreDirectory['nodes']; backend: XenstoreDirectory['nodes'] },
): DeviceEntries {
  const frontend = xenbusPaths.frontend(device.guest, kind, devid);
  const backend = xenbusPaths.backend(device.backend, kind, device.guest, devid);
  const initialising = formatXenbusState(XenbusState.Initialising);
  return {
    frontend: {
      path: frontend,
      perms: [
        { domid: device.guest, access: XsAccess.none },
        { domid: device.backend, access: XsAccess.read },
      ],
      nodes: { [DeviceNode.backend]: backend, [DeviceNode.backendId]: String(device.backend), [DeviceNode.state]: initialising, ...own.frontend },
    },
    backend: {
      path: backend,
      perms: [
        { domid: device.backend, access: XsAccess.none },
        { domid: device.guest, access: XsAccess.read },
      ],
      nodes: {
        [DeviceNode.frontend]: frontend,
        [DeviceNode.frontendId]: String(device.guest),
        [DeviceNode.guestName]: device.guestName,
        [DeviceNode.online]: '1',
        [DeviceNode.state]: initialising,
        ...own.backend,
      },
    },
  };
}
