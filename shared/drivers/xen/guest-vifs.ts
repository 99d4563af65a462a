import type { GuestConfig } from '../../guest/guest-config.js';
import { XenConfigInvalidError } from './errors.js';
import type { DriverDomain } from './driver-domains.js';
import { specSettings } from './xl-config-text.js';

/** The bridge in a network driver domain that the vifs of the guests it serves join (its xoar-init makes it). */
export const GUEST_BRIDGE = 'xoarguests';

/** A guest's vif as a Xen vif: what `xl network-attach` is given. */
export interface GuestVif {
  /** The network service that serves it. */
  service: string;
  mac: string;
  /** Its `key=value` settings, one each, as `xl network-attach` takes them. */
  settings: string[];
}

/**
 * Each of a guest's vifs as a Xen vif whose back-end is the network driver domain that serves it
 * (netback there, put on GUEST_BRIDGE by `xl devd`'s vif-bridge), with the guest's MAC and rate.
 * They follow the control vif every domain of the service image has.
 */
export function guestVifs(config: GuestConfig, networkDomainOf: (serviceId: string) => DriverDomain | undefined): GuestVif[] {
  const source = `guest "${config.id}"`;
  return config.vifs.map((vif) => {
    const backend = networkDomainOf(vif.backend);
    if (backend === undefined) {
      throw new XenConfigInvalidError('vif', source, `its vif ${vif.mac} is served by "${vif.backend}", which runs as no network driver domain of this driver`, `start the network service "${vif.backend}" (a service with role network) before the guest`);
    }
    const rate = vif.rateBitsPerSecond === undefined ? [] : ([['rate', `${vif.rateBitsPerSecond}b/s`]] as const);
    return { service: vif.backend, mac: vif.mac, settings: specSettings('vif', [['backend', backend.name], ['mac', vif.mac], ['bridge', GUEST_BRIDGE], ...rate], source) };
  });
}
