import type { Clock } from '../../clock.js';
import type { MacAddress } from './mac-address.js';

/** How long a learned address is kept without a frame from it: IEEE 802.1D's default ageing time. */
export const MAC_AGEING_MS = 300_000;

/** Which port each source address was last seen on, forgotten after `MAC_AGEING_MS` idle. */
export class MacTable {
  private readonly entries = new Map<MacAddress, { port: string; seenAt: number }>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  learn(mac: MacAddress, port: string): void {
    this.entries.set(mac, { port, seenAt: this.clock.now() });
  }

  portOf(mac: MacAddress): string | undefined {
    const entry = this.entries.get(mac);
    if (entry === undefined) return undefined;
    if (this.clock.now() - entry.seenAt >= MAC_AGEING_MS) {
      this.entries.delete(mac);
      return undefined;
    }
    return entry.port;
  }

  forgetPort(port: string): void {
    for (const [mac, entry] of this.entries) if (entry.port === port) this.entries.delete(mac);
  }
}
