import type { XsMessage } from './wire.js';

/**
 * One client's conversation with XenStore, whatever carries it: requests in, replies out in
 * request order, watch events to `onEvent`. The unix socket server speaks to a channel per
 * socket; a channel is either the logic in this process or a session over the bus.
 */
export interface XenstoreChannel {
  request(message: XsMessage): Promise<XsMessage>;
  close(): Promise<void>;
}

export type OpenChannel = (onEvent: (event: XsMessage) => void) => Promise<XenstoreChannel>;
