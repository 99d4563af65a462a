import type { ServiceDriver } from '../../shared/drivers/driver.js';
import { ProcessDriver } from '../../shared/drivers/process/process-driver.js';
import { XenDriver, type XenDriverOptions } from '../../shared/drivers/xen/xen-driver.js';
import { XlToolstack } from '../../shared/drivers/xen/xl-toolstack.js';
import type { Logger } from '../../shared/log/logger.js';
import type { HostPolicy, XenHostSettings } from '../../shared/policy/types.js';
import type { HostPaths } from './state-dir.js';

/** The driver the policy names (`host.driver`), set up for this host's state directory. */
export function hostDriver(policy: HostPolicy, paths: HostPaths, log: Logger): ServiceDriver {
  if (policy.host.driver === 'xen') return new XenDriver(new XlToolstack(), { ...xenDriverOptions(policy.host.xen, paths), log });
  return new ProcessDriver({ logDir: paths.logDir });
}

/** The xen driver's options for a host: the policy's settings, its state in the host's directory. */
export function xenDriverOptions(settings: XenHostSettings, paths: HostPaths): XenDriverOptions {
  const { bridge, controlNetwork, ...image } = settings;
  return { image, stateDir: paths.xenDir, bridge, controlNetwork };
}

/**
 * Where the broker listens: on the xen driver, dom0's address on the control network (service
 * VM domains reach dom0 only there); otherwise the nats-server's default, loopback.
 */
export function brokerListenAddress(policy: HostPolicy): string | undefined {
  return policy.host.driver === 'xen' ? dom0Address(policy.host.xen) : undefined;
}

/** dom0's own address on the control network (`10.88.0.1` of `10.88.0.1/24`). */
export function dom0Address(settings: XenHostSettings): string {
  return settings.controlNetwork.split('/')[0] as string;
}
