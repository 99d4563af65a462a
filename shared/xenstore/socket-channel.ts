import { createConnection } from 'node:net';
import type { XenstoreChannel } from './channel.js';
import { XenstoreSocketUnavailableError } from './errors.js';
import { XsMessageType } from './message-type.js';
import { encodeMessage, XsFrameParser } from './wire.js';
import type { XsMessage } from './wire.js';

/**
 * A client's channel to a XenStore unix socket (ours or xenstored's): replies come back in
 * request order, so each answers the oldest request still open; WATCH_EVENTs go to `onEvent`.
 */
export async function connectSocketChannel(path: string, onEvent: (event: XsMessage) => void = () => undefined): Promise<XenstoreChannel> {
  const socket = createConnection({ path });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (error) => reject(new XenstoreSocketUnavailableError(path, error)));
  });
  const waiting: Array<{ resolve: (reply: XsMessage) => void; reject: (error: Error) => void }> = [];
  const parser = new XsFrameParser();
  socket.on('data', (chunk: Buffer) => {
    for (const message of parser.push(chunk)) {
      if (message.type === XsMessageType.watchEvent) onEvent(message);
      else waiting.shift()?.resolve(message);
    }
  });
  const failAll = (error: Error) => {
    for (const { reject } of waiting.splice(0)) reject(error);
  };
  socket.on('error', failAll);
  socket.on('close', () => failAll(new XenstoreSocketUnavailableError(path, new Error('the socket closed'))));
  return {
    request(message) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        socket.write(encodeMessage(message));
      });
    },
    async close() {
      await new Promise<void>((resolve) => socket.end(resolve));
      socket.destroy();
    },
  };
}
