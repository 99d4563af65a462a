import type { HostPolicyDocument } from './policy-document.js';
import type { PolicyProblem } from './errors.js';
import { toPointer } from './json-pointer.js';

/** The xen driver needs its settings (`host.xen`); the process driver has none to take. */
export function checkHostDriver(document: HostPolicyDocument): PolicyProblem[] {
  const { driver, xen } = document.host;
  if (driver === 'xen' && xen === undefined) {
    return [{ pointer: toPointer('host'), message: 'the xen driver needs host.xen: the kernel, ramdisk and root disk every service VM domain boots', hint: 'add "xen": { "kernel": "…/vmlinuz", "ramdisk": "…/service.cpio.gz", "rootDisk": "…/service-root.img" } to host (deploy/xen/README-image.md builds them)' }];
  }
  if (driver !== 'xen' && xen !== undefined) {
    return [{ pointer: toPointer('host', 'xen'), message: `host.xen is set but the driver is ${driver ?? 'process'} (the default), which does not use it`, hint: 'set "driver": "xen" in host, or remove host.xen' }];
  }
  return [];
}
