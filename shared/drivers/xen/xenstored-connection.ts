import { XenstoreRequestError, XenstoreClient, watchEventOf } from '../../xenstore/xenstore-client.js';
import type { XenstoreChannel } from '../../xenstore/channel.js';
import { XsMessageType } from '../../xenstore/message-type.js';
import { nulTerminated } from '../../xenstore/payload.js';
import { connectSocketChannel } from '../../xenstore/socket-channel.js';
import { XenstoredUnreachableError } from './errors.js';
import type { Unwatch, XenstoreEntry } from './toolstack.js';

const TRANSACTION_ATTEMPTS = 5;

/**
 * dom0's connection to xenstored over its unix socket, in xoar's own XenStore client. Not the
 * xenstore-* tools: they take values as arguments, and a service VM's seed must never be in a
 * process's command line. One connection carries every watch, told apart by token.
 */
export class XenstoredConnection {
  private readonly handlers = new Map<string, (path: string) => void>();
  private nextToken = 1;

  private constructor(
    private readonly channel: XenstoreChannel,
    private readonly client: XenstoreClient,
  ) {}

  static async connect(socket: string): Promise<XenstoredConnection> {
    let connection: XenstoredConnection | undefined;
    try {
      const channel = await connectSocketChannel(socket, (event) => {
        const { path, token } = watchEventOf(event);
        connection?.handlers.get(token)?.(path);
      });
      connection = new XenstoredConnection(channel, new XenstoreClient(channel));
      return connection;
    } catch (error) {
      throw new XenstoredUnreachableError(socket, error);
    }
  }

  async read(path: string): Promise<string | undefined> {
    try {
      return await this.client.read(path);
    } catch (error) {
      if (error instanceof XenstoreRequestError && error.errno === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(entries: readonly XenstoreEntry[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const tx = await this.client.startTransaction();
      try {
        for (const { path, value, perms } of entries) {
          await this.client.write(path, value, tx);
          await this.client.setPermissions(path, perms, tx);
        }
      } catch (error) {
        await this.client.endTransaction(tx, false);
        throw error;
      }
      try {
        return await this.client.endTransaction(tx, true);
      } catch (error) {
        const conflict = error instanceof XenstoreRequestError && error.errno === 'EAGAIN';
        if (!conflict || attempt === TRANSACTION_ATTEMPTS) throw error;
      }
    }
  }

  async watch(path: string, onEvent: (path: string) => void): Promise<Unwatch> {
    const token = `xoar-driver-${this.nextToken++}`;
    this.handlers.set(token, onEvent);
    try {
      await this.client.watch(path, token);
    } catch (error) {
      this.handlers.delete(token);
      throw error;
    }
    return async () => {
      this.handlers.delete(token);
      await this.channel.request({ type: XsMessageType.unwatch, reqId: 0, txId: 0, payload: nulTerminated([path, token]) });
    };
  }

  close(): Promise<void> {
    this.handlers.clear();
    return this.client.close();
  }
}
