import { XenBrokerUnreachableError } from './errors.js';

/** A domain reaches dom0 only over the control network: a loopback broker URL would be its own loopback. */
export function assertReachableBroker(natsUrl: string): void {
  let host: string;
  try {
    host = new URL(natsUrl).hostname;
  } catch {
    return;
  }
  if (host === 'localhost' || host === '[::1]' || /^127\./.test(host)) throw new XenBrokerUnreachableError(natsUrl);
}
