import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { XenstoreConnection } from './connection.js';
import { XenstoreSocketUnavailableError } from './errors.js';
import type { WatchDelivery, XenstoreLogic } from './logic.js';
import { PRIVILEGED_DOMID } from './permissions.js';
import { encodeMessage, XsFrameParser } from './wire.js';
import type { XsMessage } from './wire.js';

/** The default socket of xenstored, where xenstore-utils and pyxs look unless XENSTORED_PATH says otherwise. */
export const DEFAULT_XENSTORED_SOCKET = '/var/run/xenstored/socket';

/** Requests read from one client but not yet answered, beyond which the server stops reading it. */
const PIPELINE_DEPTH = 64;

export interface XenstoreUnixSocketServerOptions {
  readonly path: string;
  readonly logic: XenstoreLogic;
}

/**
 * Serves the XenStore wire protocol on a unix socket, as xenstored does for dom0's tools: every
 * connection is the control domain. Clients may pipeline requests; replies come back in request
 * order. A client that does not read its replies is not read from either (backpressure).
 */
export class XenstoreUnixSocketServer {
  private readonly sockets = new Map<XenstoreConnection, Socket>();

  private constructor(
    readonly path: string,
    private readonly logic: XenstoreLogic,
    private readonly server: Server,
  ) {
    server.on('connection', (socket) => this.serve(socket));
  }

  static async listen({ path, logic }: XenstoreUnixSocketServerOptions): Promise<XenstoreUnixSocketServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new XenstoreSocketUnavailableError(path, error)));
      server.listen({ path, exclusive: true }, () => resolve());
    });
    return new XenstoreUnixSocketServer(path, logic, server);
  }

  /** Stops accepting, drops every client (aborting their transactions) and removes the socket file. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets.values()) socket.destroy();
    await closed;
    await rm(this.path, { force: true });
  }

  private serve(socket: Socket): void {
    const connection = this.logic.connect(PRIVILEGED_DOMID);
    this.sockets.set(connection, socket);
    const parser = new XsFrameParser();
    let unanswered = 0;
    let reading = true;
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
        this.logic.handle(connection, request).then(
          ({ reply, events }) => {
            unanswered--;
            this.send(socket, reply);
            this.deliver(events);
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
      this.sockets.delete(connection);
      this.logic.disconnect(connection);
    });
  }

  private deliver(events: readonly WatchDelivery[]): void {
    for (const { connection, message } of events) {
      const socket = this.sockets.get(connection);
      if (socket) this.send(socket, message);
    }
  }

  private send(socket: Socket, message: XsMessage): void {
    if (!socket.destroyed) socket.write(encodeMessage(message));
  }
}
