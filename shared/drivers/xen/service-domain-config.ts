import { join } from 'node:path';
import { Role } from '../../policy/types.js';
import type { InstanceSpec } from '../driver.js';
import { controlMac } from './domain-names.js';
import { XenConfigInvalidError } from './errors.js';
import { roleSeclabel } from './seclabels.js';
import { specString, type XlConfig } from './xl-config-text.js';

/**
 * What every service VM domain boots: Debian's PV kernel, the service initramfs and the read-only
 * root disk they mount (node and xoar's code); its /init runs the boot protocol
 * (deploy/xen/README-image.md).
 */
export interface ServiceDomainImage {
  kernel: string;
  ramdisk: string;
  rootDisk: string;
  /** Kernel arguments after `console=hvc0`. */
  kernelArgs?: readonly string[];
}

export interface ServiceDomainSettings {
  image: ServiceDomainImage;
  /** The dom0 bridge of the control network, where the broker listens. */
  bridge: string;
  /** Where the driver keeps templates (`images/`) and the disks of service VMs that keep files (`disks/`). */
  stateDir: string;
  /** A service VM's memory when the policy sets no limit. */
  defaultMemoryMiB: number;
  vcpus: number;
}

/** The least memory a service VM domain boots in: a Debian kernel, the initramfs and node. */
export const MIN_SERVICE_MEMORY_MIB = 64;

/** Roles whose domains are driver domains: they run back-ends (`xl devd`) for guests' devices. */
const DRIVER_DOMAIN_ROLES: ReadonlySet<string> = new Set([Role.block, Role.network]);

export type ServiceDomainSpec = Pick<InstanceSpec, 'id' | 'role' | 'memoryLimitBytes' | 'writePaths'>;

export function isDriverDomain(role: string): boolean {
  return DRIVER_DOMAIN_ROLES.has(role);
}

/**
 * What a template must have for an instance to be restored from it: the memory it was booted
 * with and whether it has a disk of its own as xvdb. Everything else in an instance's xl.cfg
 * (name, MAC, label, driver domain, which disk) is applied by `xl restore` from the instance's
 * own config, so service VMs of one shape share a template.
 */
export function templateShape(spec: ServiceDomainSpec, settings: ServiceDomainSettings): string {
  const ownDisk = spec.writePaths.length > 0 ? '-own-disk' : '';
  return `${memoryMiB(spec, settings, `service VM "${spec.id}"`)}mib${ownDisk}`;
}

/** A service VM that keeps files (spec.writePaths) keeps them on a disk of its own, mounted at the first path. */
export function serviceDiskPath(stateDir: string, spec: Pick<ServiceDomainSpec, 'id' | 'writePaths'>): string | undefined {
  return spec.writePaths.length === 0 ? undefined : join(stateDir, 'disks', `${spec.id}.img`);
}

/**
 * The xl.cfg of one service VM domain, a template or an instance: they differ only in name (and
 * so MAC), so that restoring an instance from its template reconnects the devices the template's
 * kernel already has. The supervisor, not xl, decides what happens when a domain ends: every
 * `on_*` action is `preserve`, so that the driver reads the exit code before it destroys it.
 */
export function serviceDomainConfig(spec: ServiceDomainSpec, name: string, settings: ServiceDomainSettings): XlConfig {
  const source = `service VM "${spec.id}"`;
  const memory = memoryMiB(spec, settings, source);
  const disk = serviceDiskPath(settings.stateDir, spec);
  // Shared by every service VM domain, so read-only.
  const rootDisk = specString('disk', [['format', 'raw'], ['vdev', 'xvda'], ['access', 'ro'], ['target', settings.image.rootDisk]], source);
  return [
    ['name', name],
    ['type', 'pv'],
    ['kernel', settings.image.kernel],
    ['ramdisk', settings.image.ramdisk],
    ['extra', ['console=hvc0', ...(settings.image.kernelArgs ?? [])].join(' ')],
    ['memory', memory],
    ['maxmem', memory],
    ['vcpus', settings.vcpus],
    ['on_poweroff', 'preserve'],
    ['on_reboot', 'preserve'],
    ['on_crash', 'preserve'],
    ['seclabel', roleSeclabel(spec.role, source)],
    ...(isDriverDomain(spec.role) ? ([['driver_domain', 1]] as const) : []),
    ['vif', [specString('vif', [['bridge', settings.bridge], ['mac', controlMac(name)]], source)]],
    ['disk', [rootDisk, ...(disk === undefined ? [] : [specString('disk', [['format', 'raw'], ['vdev', 'xvdb'], ['access', 'rw'], ['target', disk]], source)])]],
  ];
}

function memoryMiB(spec: ServiceDomainSpec, settings: ServiceDomainSettings, source: string): number {
  if (spec.memoryLimitBytes === undefined) return settings.defaultMemoryMiB;
  const mib = Math.floor(spec.memoryLimitBytes / 2 ** 20);
  if (mib < MIN_SERVICE_MEMORY_MIB) {
    throw new XenConfigInvalidError('memory', source, `the policy limits it to ${spec.memoryLimitBytes} bytes (${mib} MiB), less than the ${MIN_SERVICE_MEMORY_MIB} MiB a service VM domain boots in`, `raise the service's limits.memoryBytes in the policy to ${MIN_SERVICE_MEMORY_MIB} MiB or more`);
  }
  return mib;
}
