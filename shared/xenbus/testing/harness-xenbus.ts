import type { LogicHarness } from '../../xenstore/testing/logic-harness.js';
import type { WatchDelivery } from '../../xenstore/logic.js';
import type { XenstoreConnection } from '../../xenstore/connection.js';
import type { XsMessage } from '../../xenstore/wire.js';
import { XenbusConnection } from '../xenbus-connection.js';

/**
 * XenbusConnections to a harness's XenStore as any domain, in this process. Watch events reach
 * their connection after the reply, as xenstored sends them. Closing one is the domain's
 * connection going away: its watches end.
 */
export function harnessXenbus(harness: LogicHarness): (domid: number) => Promise<XenbusConnection> {
  const listeners = new Map<XenstoreConnection, (event: XsMessage) => void>();
  const deliver = (deliveries: readonly WatchDelivery[]) => {
    for (const { connection, message } of deliveries) listeners.get(connection)?.(message);
  };
  return (domid) =>
    XenbusConnection.open(async (onEvent) => {
      const connection = harness.logic.connect(domid);
      listeners.set(connection, onEvent);
      return {
        async request(message) {
          const { reply, events } = await harness.logic.handle(connection, message);
          setImmediate(deliver, events);
          return reply;
        },
        close() {
          listeners.delete(connection);
          return harness.logic.disconnect(connection);
        },
      };
    });
}
