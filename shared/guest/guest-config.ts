/**
 * What a guest process is started with: `InstanceSpec.config` of role `guest` (its `id` is the
 * guest id). The supervisor writes it from the policy and the domain it gave the guest.
 */
import type { MacAddress } from '../devices/network/mac-address.js';
import { GuestConfigInvalidError } from './errors.js';

/** The driver runs a guest as this role: its code is `services/guest/`. */
export const GUEST_ROLE = 'guest';

export interface GuestDisk {
  /** `xvda`, … */
  vdev: string;
  /** The device id Xen derives from `vdev` (51712 for xvda): the front-end's directory and the request subject use it. */
  devid: number;
  /** The block service VM that serves it. */
  backend: string;
  backendDomid: number;
  sizeBytes: number;
}

export interface GuestVif {
  mac: MacAddress;
  /** The interface's number in the guest: 0 for the first. */
  devid: number;
  /** The network service VM that serves it. */
  backend: string;
  backendDomid: number;
  /** The most the guest may send, in bits per second (its backend enforces it); no limit when absent. */
  rateBitsPerSecond?: number;
}

/** The unit of the block workload: 8 sectors, as a file system's block. */
export const WORKLOAD_BLOCK_BYTES = 4096;

/** A verified file-system-like load on one disk: the first `regionBlocks` blocks of WORKLOAD_BLOCK_BYTES. */
export interface BlockWorkload {
  vdev: string;
  regionBlocks: number;
  /** Requests in flight at most. */
  concurrency: number;
}

/** A request to `peerMac` every `intervalMs` from the guest's first vif, each expecting an answer. */
export interface NetWorkload {
  peerMac: MacAddress;
  intervalMs: number;
}

export interface GuestWorkload {
  block?: BlockWorkload;
  net?: NetWorkload;
}

export interface GuestConfig {
  /** The guest's id in the policy: its broker principal, and its InstanceSpec `id`. */
  id: string;
  domid: number;
  tenant: string;
  disks: GuestDisk[];
  vifs: GuestVif[];
  /** A real I/O load to run, or null for a guest that only brings its devices up. */
  workload: GuestWorkload | null;
}

type Fields = Record<string, unknown>;

/** Checks the shape of a guest's config as it arrives on stdin; throws GuestConfigInvalidError naming the first bad field. */
export function parseGuestConfig(value: unknown): GuestConfig {
  const config = object(value, '');
  const disks = list(config['disks'], '/disks').map((disk, index) => {
    const at = `/disks/${index}`;
    const fields = object(disk, at);
    return { vdev: text(fields, 'vdev', at), devid: whole(fields, 'devid', at), backend: text(fields, 'backend', at), backendDomid: whole(fields, 'backendDomid', at), sizeBytes: whole(fields, 'sizeBytes', at) };
  });
  const vifs = list(config['vifs'], '/vifs').map((vif, index) => {
    const at = `/vifs/${index}`;
    const fields = object(vif, at);
    const rate = fields['rateBitsPerSecond'] === undefined ? {} : { rateBitsPerSecond: positive(fields, 'rateBitsPerSecond', at) };
    return { mac: text(fields, 'mac', at), devid: whole(fields, 'devid', at), backend: text(fields, 'backend', at), backendDomid: whole(fields, 'backendDomid', at), ...rate };
  });
  return { id: text(config, 'id', ''), domid: whole(config, 'domid', ''), tenant: text(config, 'tenant', ''), disks, vifs, workload: workload(config['workload'], disks, vifs) };
}

function workload(value: unknown, disks: readonly GuestDisk[], vifs: readonly GuestVif[]): GuestWorkload | null {
  if (value === null) return null;
  const fields = object(value, '/workload');
  const result: GuestWorkload = {};
  if (fields['block'] !== undefined) {
    const block = object(fields['block'], '/workload/block');
    const vdev = text(block, 'vdev', '/workload/block');
    const disk = disks.find((candidate) => candidate.vdev === vdev);
    if (disk === undefined) throw new GuestConfigInvalidError('/workload/block/vdev', `names no disk of the guest ("${vdev}")`);
    const regionBlocks = positive(block, 'regionBlocks', '/workload/block');
    if (regionBlocks * WORKLOAD_BLOCK_BYTES > disk.sizeBytes) throw new GuestConfigInvalidError('/workload/block/regionBlocks', `is larger than the ${disk.sizeBytes}-byte disk`);
    const concurrency = positive(block, 'concurrency', '/workload/block');
    if (concurrency > regionBlocks) throw new GuestConfigInvalidError('/workload/block/concurrency', 'is more than the blocks in the region: each request in flight has a block of its own');
    result.block = { vdev, regionBlocks, concurrency };
  }
  if (fields['net'] !== undefined) {
    const net = object(fields['net'], '/workload/net');
    if (vifs.length === 0) throw new GuestConfigInvalidError('/workload/net', 'needs a vif: the guest has none');
    result.net = { peerMac: text(net, 'peerMac', '/workload/net'), intervalMs: positive(net, 'intervalMs', '/workload/net') };
  }
  return result;
}

function object(value: unknown, at: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GuestConfigInvalidError(at, 'must be an object');
  return value as Fields;
}

function list(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new GuestConfigInvalidError(at, 'must be a list');
  return value;
}

function text(fields: Fields, name: string, at: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value === '') throw new GuestConfigInvalidError(`${at}/${name}`, 'must be a non-empty string');
  return value;
}

function whole(fields: Fields, name: string, at: string): number {
  const value = fields[name];
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new GuestConfigInvalidError(`${at}/${name}`, 'must be a whole number');
  return value as number;
}

function positive(fields: Fields, name: string, at: string): number {
  const value = whole(fields, name, at);
  if (value === 0) throw new GuestConfigInvalidError(`${at}/${name}`, 'must be at least 1');
  return value;
}
