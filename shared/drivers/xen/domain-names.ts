import { createHash } from 'node:crypto';
import { formatMac, type MacAddress } from '../../devices/network/mac-address.js';

/** Every instance is a domain of its own, named for the host, the service VM and the instance. */
export function instanceDomainName(host: string, id: string, instance: number): string {
  return `${host}-${id}-${instance}`;
}

/** The domain a template of one shape (templateShape) is booted in, then saved from (which ends it). */
export function templateDomainName(host: string, shape: string): string {
  return `${host}-template-${shape}`;
}

/** Xen's OUI (00:16:3e), then three bytes of the domain name's sha256: the same domain, the same MAC. */
export function controlMac(domainName: string): MacAddress {
  const digest = createHash('sha256').update(domainName).digest();
  return formatMac(Uint8Array.of(0x00, 0x16, 0x3e, digest[0]!, digest[1]!, digest[2]!));
}
