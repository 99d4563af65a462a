import type { OpenChannel } from './channel.js';
import type { XenstoreConnection } from './connection.js';
import type { WatchDelivery, XenstoreLogic } from './logic.js';
import { PRIVILEGED_DOMID } from './permissions.js';
import type { XsMessage } from './wire.js';

/** Channels to a XenstoreLogic in this process, each as the control domain: no bus in between. */
export function directChannels(logic: XenstoreLogic): OpenChannel {
  const listeners = new Map<XenstoreConnection, (event: XsMessage) => void>();
  const deliver = (deliveries: readonly WatchDelivery[]) => {
    for (const { connection, message } of deliveries) listeners.get(connection)?.(message);
  };
  return async (onEvent) => {
    const connection = logic.connect(PRIVILEGED_DOMID);
    listeners.set(connection, onEvent);
    return {
      async request(message) {
        const { reply, events } = await logic.handle(connection, message);
        // After the reply has gone out, as xenstored sends a request's watch events after its reply.
        setImmediate(deliver, events);
        return reply;
      },
      close() {
        listeners.delete(connection);
        return logic.disconnect(connection);
      },
    };
  };
}
