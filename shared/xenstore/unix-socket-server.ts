import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { OpenChannel } from './channel.js';
import { XenstoreSocketUnavailableError } from './errors.js';
import { encodeMessage, XsFrameParser } from './wire.js';
import type { XsMessage } from './wire.js';

/** The default socket of xenstored, where xenstore-utils and pyxs look unless XENSTORED_PATH says otherwise. */
export const DEFAULT_XENSTORED_SOCKET = '/var/run/xenstored/socket';

/** Requests read from one client but not yet answered, beyond which the server stops reading it. */
const PIPELINE_DEPTH = 64;

export interface XenstoreUnixSocketServerOptions {
  readonly path: string;
  /** Opens the channel each new client talks through (it is the control domain, as on xenstored's socket). */
  readonly channels: OpenChannel;
}

/**
 * Serves the XenStore wire protocol on a unix socket, as xenstored does for dom0's tools.
 * Clients may pipeline requests; replies come back in request order. A client that does not
 * read its replies is not read from either (backpressure).
 */
export class XenstoreUnixSocketServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly path: string,
    private readonly channels: OpenChannel,
    private readonly server: Server,
  ) {
    server.on('connection', (socket) => void this.serve(socket));
  }

  static async listen({ path, channels }: XenstoreUnixSocketServerOptions): Promise<XenstoreUnixSocketServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new XenstoreSocketUnavailableError(path, error)));
      server.listen({ path, exclusive: true }, () => resolve());
    });
    return new XenstoreUnixSocketServer(path, channels, server);
  }

  /** Stops accepting, drops every client (aborting their transactions) and removes the socket file. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    await rm(this.path, { force: true });
  }

  private async serve(socket: Socket): Promise<void> {
    this.sockets.add(socket);
    socket.pause();
    const send = (message: XsMessage) => {
      if (!socket.destroyed) socket.write(encodeMessage(message));
    };
    const channel = await this.channels(send);
    if (socket.destroyed) {
      this.sockets.delete(socket);
      await channel.close();
      return;
    }
    const parser = new XsFrameParser();
    let unanswered = 0;
    let reading = false;
    const updateFlow = (): void => {
      const shouldRead = unanswered < PIPELINE_DEPTH && !socket.writableNeedDrain;
      if (shouldRead !== reading) {
        reading = shouldRead;
        if (shouldRead) socket.resume();
        else socket.pause();
      }
    };

    socket.on('data', (chunk: Buffer) => {
      let requests: XsMessage[];
      try {
        requests = parser.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const request of requests) {
        unanswered++;
        channel.request(request).then(
          (reply) => {
            unanswered--;
            send(reply);
            updateFlow();
          },
          () => socket.destroy(),
        );
      }
      updateFlow();
    });
    socket.on('drain', updateFlow);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      void channel.close();
    });
    updateFlow();
  }
}
