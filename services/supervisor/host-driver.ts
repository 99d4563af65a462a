import type { ServiceDriver } from '../../shared/drivers/driver.js';
import { ProcessDriver } from '../../shared/drivers/process/process-driver.js';
import { XenDriver } from '../../shared/drivers/xen/xen-driver.js';
import { XlToolstack } from '../../shared/drivers/xen/xl-toolstack.js';
import type { Logger } from '../../shared/log/logger.js';
import type { HostPolicy } from '../../shared/policy/types.js';
import type { HostPaths } from './state-dir.js';

/** The driver the policy names (`host.driver`), set up for this host's state directory. */
export function hostDriver(policy: HostPolicy, paths: HostPaths, log: Logger): ServiceDriver {
  if (policy.host.driver === 'xen') {
    const { bridge, controlNetwork, ...image } = policy.host.xen;
    return new XenDriver(new XlToolstack(), { image, stateDir: paths.xenDir, bridge, controlNetwork, log });
  }
  return new ProcessDriver({ logDir: paths.logDir });
}

/**
 * Where the broker listens: on the xen driver, dom0's address on the control network (service
 * VM domains reach dom0 only there); otherwise the nats-server's default, loopback.
 */
export function brokerListenAddress(policy: HostPolicy): string | undefined {
  return policy.host.driver === 'xen' ? (policy.host.xen.controlNetwork.split('/')[0] as string) : undefined;
}
