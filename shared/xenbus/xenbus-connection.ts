import type { OpenChannel } from '../xenstore/channel.js';
import { watchEventOf, XenstoreClient } from '../xenstore/xenstore-client.js';

type Listeners = Map<string, (path: string) => void>;

/**
 * A domain's XenStore connection with its watch events routed by token: what the xenbus
 * machines take. Each `watch` has its own token, so many listen on one connection.
 */
export class XenbusConnection {
  private nextToken = 1;

  private constructor(
    readonly client: XenstoreClient,
    private readonly listeners: Listeners,
  ) {}

  static async open(openChannel: OpenChannel): Promise<XenbusConnection> {
    const listeners: Listeners = new Map();
    const channel = await openChannel((event) => {
      const { path, token } = watchEventOf(event);
      listeners.get(token)?.(path);
    });
    return new XenbusConnection(new XenstoreClient(channel), listeners);
  }

  /**
   * Watches `path` and below: `listener` gets each event's path, the first one at once. The
   * returned function ends the watch: the listener at once, the watch when XenStore answers (a
   * watch that outlives its listener only delivers events nobody takes, so a failure is ignored).
   */
  async watch(path: string, listener: (path: string) => void): Promise<() => Promise<void>> {
    const token = `xenbus-${this.nextToken++}`;
    this.listeners.set(token, listener);
    try {
      await this.client.watch(path, token);
    } catch (error) {
      this.listeners.delete(token);
      throw error;
    }
    return () => {
      this.listeners.delete(token);
      return this.client.unwatch(path, token).catch(() => undefined);
    };
  }

  close(): Promise<void> {
    this.listeners.clear();
    return this.client.close();
  }
}
