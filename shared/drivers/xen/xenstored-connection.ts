import { XenbusConnection } from '../../xenbus/xenbus-connection.js';
import { XenstoreRequestError } from '../../xenstore/xenstore-client.js';
import { connectSocketChannel } from '../../xenstore/socket-channel.js';
import { XenstoredUnreachableError } from './errors.js';
import type { Unwatch, XenstoreEntry } from './toolstack.js';

const TRANSACTION_ATTEMPTS = 5;

/**
 * dom0's connection to xenstored over its unix socket, in xoar's own XenStore client. Not the
 * xenstore-* tools: they take values as arguments, and a service VM's seed must never be in a
 * process's command line. One connection carries every watch (XenbusConnection tells them apart).
 */
export class XenstoredConnection {
  private constructor(private readonly xenbus: XenbusConnection) {}

  static async connect(socket: string): Promise<XenstoredConnection> {
    try {
      return new XenstoredConnection(await XenbusConnection.open((onEvent) => connectSocketChannel(socket, onEvent)));
    } catch (error) {
      throw new XenstoredUnreachableError(socket, error);
    }
  }

  async read(path: string): Promise<string | undefined> {
    try {
      return await this.xenbus.client.read(path);
    } catch (error) {
      if (error instanceof XenstoreRequestError && error.errno === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(entries: readonly XenstoreEntry[]): Promise<void> {
    const { client } = this.xenbus;
    for (let attempt = 1; ; attempt += 1) {
      const tx = await client.startTransaction();
      try {
        for (const { path, value, perms } of entries) {
          await client.write(path, value, tx);
          await client.setPermissions(path, perms, tx);
        }
      } catch (error) {
        await client.endTransaction(tx, false);
        throw error;
      }
      try {
        return await client.endTransaction(tx, true);
      } catch (error) {
        const conflict = error instanceof XenstoreRequestError && error.errno === 'EAGAIN';
        if (!conflict || attempt === TRANSACTION_ATTEMPTS) throw error;
      }
    }
  }

  watch(path: string, onEvent: (path: string) => void): Promise<Unwatch> {
    return this.xenbus.watch(path, onEvent);
  }

  close(): Promise<void> {
    return this.xenbus.close();
  }
}
