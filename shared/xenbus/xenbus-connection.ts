import type { OpenChannel, XenstoreChannel } from '../xenstore/channel.js';
import { XsMessageType } from '../xenstore/message-type.js';
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
    private readonly channel: XenstoreChannel,
    private readonly listeners: Listeners,
  ) {}

  static async open(openChannel: OpenChannel): Promise<XenbusConnection> {
    const listeners: Listeners = new Map();
    const channel = await openChannel((event) => {
      const { path, token } = watchEventOf(event);
      listeners.get(token)?.(path);
    });
    return new XenbusConnection(new XenstoreClient(channel), channel, listeners);
  }

  /**
   * Watches `path` and below: `listener` gets each event's path, the first one at once. The
   * returned function ends the watch.
   */
  async watch(path: string, listener: (path: string) => void): Promise<() => void> {
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
      this.unwatch(path, token);
    };
  }

  close(): Promise<void> {
    this.listeners.clear();
    return this.client.close();
  }

  // XenstoreClient has no UNWATCH yet; until it does, it is sent here. Nothing waits for the
  // answer: a watch that outlives its listener only delivers events nobody takes.
  private unwatch(path: string, token: string): void {
    const payload = Buffer.from(`${path}\0${token}\0`, 'latin1');
    this.channel.request({ type: XsMessageType.unwatch, reqId: 0, txId: 0, payload }).catch(() => undefined);
  }
}
