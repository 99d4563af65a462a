import { XS_PAYLOAD_MAX } from '../../xenstore/wire.js';
import type { InstanceSpec } from '../driver.js';
import { XenstoreValueTooLargeError } from './errors.js';
import { isDriverDomain } from './service-domain-config.js';
import type { XenstoreEntry } from './toolstack.js';

/** A domain's own directory: the relative paths it uses (`data/xoar/state`) resolve here. */
export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

/** What the boot protocol's /init writes: `waiting` (template, before identity), then `running`. */
export function statePath(domid: number): string {
  return `${domainPath(domid)}/data/xoar/state`;
}

/** The service's exit code, written by /init before it powers the domain off. */
export function exitPath(domid: number): string {
  return `${domainPath(domid)}/data/xoar/exit`;
}

/**
 * What makes a restored template into one instance, as XenStore nodes under the domain's `xoar/`:
 * its address on the control network, whether it is a driver domain, its seed, and its spec
 * without the seed. Only dom0 and the domain itself may read them (`n0 r<domid>`), the directory
 * included. /init waits for `xoar/spec`: it comes last, and all come in one transaction.
 */
export function identityEntries(spec: InstanceSpec, domid: number, address: string): XenstoreEntry[] {
  const dir = `${domainPath(domid)}/xoar`;
  const perms = ['n0', `r${domid}`];
  const { seed, ...withoutSeed } = spec;
  const nodes: Array<[string, string]> = [
    [dir, ''],
    [`${dir}/ip`, address],
    ...(isDriverDomain(spec.role) ? ([[`${dir}/driver-domain`, '1']] as Array<[string, string]>) : []),
    [`${dir}/seed`, seed],
    [`${dir}/spec`, JSON.stringify(withoutSeed)],
  ];
  return nodes.map(([path, value]) => {
    const bytes = Buffer.byteLength(`${path}\0${value}`);
    if (bytes > XS_PAYLOAD_MAX) throw new XenstoreValueTooLargeError(path, bytes, XS_PAYLOAD_MAX);
    return { path, value, perms };
  });
}
