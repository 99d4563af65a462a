import { join } from 'node:path';
import type { GuestConfig, GuestDisk, GuestVif } from '../../guest/guest-config.js';
import { XenConfigInvalidError } from './errors.js';
import { GUEST_SECLABEL } from './seclabels.js';
import { specString, type XlConfig } from './xl-config-text.js';

export interface GuestDomainInput {
  name: string;
  /** The guest's devices, each naming the service VM that serves it (the policy's sharing, resolved). */
  config: GuestConfig;
  memoryBytes: number;
  vcpus: number;
  image: { kernel: string; ramdisk?: string; kernelArgs?: readonly string[] };
}

/** A back-end service VM as a guest's devices reach it: its current domain, and where a block back-end keeps disk images. */
export interface GuestBackend {
  domain: string;
  imageDir?: string;
}

/** The back-end of a service VM id, or undefined when it has no running domain. */
export type GuestBackendOf = (serviceId: string) => GuestBackend | undefined;

/**
 * The xl.cfg of a guest domain: each disk and vif is served by the driver domain the policy gave
 * it (`backend=`), not by dom0. A disk's image lives in its block back-end's directory as
 * `<guest>.<vdev>.img`, the name the block service opens (services/block/block-disks.ts).
 */
export function guestDomainConfig(guest: GuestDomainInput, backendOf: GuestBackendOf): XlConfig {
  const source = `guest "${guest.config.id}"`;
  const memory = Math.floor(guest.memoryBytes / 2 ** 20);
  if (memory === 0) throw new XenConfigInvalidError('memory', source, `${guest.memoryBytes} bytes is less than 1 MiB`, 'give the guest at least 1 MiB (memoryBytes in the policy)');
  return [
    ['name', guest.name],
    ['type', 'pv'],
    ['kernel', guest.image.kernel],
    ...(guest.image.ramdisk === undefined ? [] : ([['ramdisk', guest.image.ramdisk]] as const)),
    ['extra', ['console=hvc0', ...(guest.image.kernelArgs ?? [])].join(' ')],
    ['memory', memory],
    ['maxmem', memory],
    ['vcpus', guest.vcpus],
    ['on_poweroff', 'destroy'],
    ['on_reboot', 'destroy'],
    ['on_crash', 'destroy'],
    ['seclabel', GUEST_SECLABEL],
    ['disk', guest.config.disks.map((disk) => diskEntry(guest.config.id, disk, backendOf, source))],
    ['vif', guest.config.vifs.map((vif) => vifEntry(vif, backendOf, source))],
  ];
}

function diskEntry(guestId: string, disk: GuestDisk, backendOf: GuestBackendOf, source: string): string {
  const backend = backendFor('disk', disk.backend, backendOf, source);
  if (backend.imageDir === undefined) {
    throw new XenConfigInvalidError('disk', source, `its ${disk.vdev} is served by "${disk.backend}", which keeps no disk images`, 'serve guest disks from a block service VM');
  }
  const target = join(backend.imageDir, `${guestId}.${disk.vdev}.img`);
  return specString('disk', [['backend', backend.domain], ['format', 'raw'], ['vdev', disk.vdev], ['access', 'rw'], ['target', target]], source);
}

function vifEntry(vif: GuestVif, backendOf: GuestBackendOf, source: string): string {
  const backend = backendFor('vif', vif.backend, backendOf, source);
  const rate = vif.rateBitsPerSecond === undefined ? [] : ([['rate', xlRate(vif.rateBitsPerSecond, source)]] as const);
  return specString('vif', [['backend', backend.domain], ['mac', vif.mac], ...rate], source);
}

function backendFor(field: string, serviceId: string, backendOf: GuestBackendOf, source: string): GuestBackend {
  const backend = backendOf(serviceId);
  if (backend === undefined) throw new XenConfigInvalidError(field, source, `its back-end "${serviceId}" has no running domain`, `start service VM "${serviceId}" before the guest`);
  return backend;
}

/** libxlu reads a rate as a number of at most 2^32-1, then a K/M/G multiplier and `b` for bits (tools/libs/util/libxlu_vif.c). */
const RATE_NUMBER_MAX = 2 ** 32 - 1;
const RATE_PREFIXES = [['', 1], ['K', 1e3], ['M', 1e6], ['G', 1e9]] as const;

function xlRate(bitsPerSecond: number, source: string): string {
  for (const [prefix, multiplier] of RATE_PREFIXES) {
    const number = bitsPerSecond / multiplier;
    if (Number.isInteger(number) && number <= RATE_NUMBER_MAX) return `${number}${prefix}b/s`;
  }
  throw new XenConfigInvalidError('vif', source, `a rate of ${bitsPerSecond} bits/s cannot be written as xl's rate (at most ${RATE_NUMBER_MAX} units of b, Kb, Mb or Gb)`, 'round the rate in the policy to a whole number of Kb/s or Mb/s');
}
