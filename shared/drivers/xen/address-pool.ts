import { XenAddressesExhaustedError, XenConfigInvalidError } from './errors.js';

/**
 * The control network's addresses (IPv4), one to each live instance: dom0 holds the one given
 * (`10.88.0.1/24`); the network and broadcast addresses are never handed out.
 */
export class AddressPool {
  private readonly base: number;
  private readonly size: number;
  private readonly own: number;
  private readonly prefix: number;
  private readonly taken = new Map<string, number>();

  constructor(readonly network: string) {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(network);
    const octets = match?.slice(1, 5).map(Number) ?? [];
    const prefix = Number(match?.[5]);
    if (match === null || octets.some((octet) => octet > 255) || prefix < 8 || prefix > 30) {
      throw new XenConfigInvalidError('controlNetwork', 'the xen driver options', `"${network}" is not dom0's IPv4 address with a prefix of 8 to 30 bits`, 'give dom0\'s address on the bridge, e.g. 10.88.0.1/24');
    }
    const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
    this.size = 2 ** (32 - prefix);
    this.base = address - (address % this.size);
    this.own = address;
    this.prefix = prefix;
  }

  /** An address for `holder` (the same one while it holds it), as `10.88.0.23/24`. */
  take(holder: string): string {
    let address = this.taken.get(holder);
    if (address === undefined) {
      const used = new Set(this.taken.values());
      for (let candidate = this.base + 1; candidate < this.base + this.size - 1; candidate += 1) {
        if (candidate !== this.own && !used.has(candidate)) {
          address = candidate;
          break;
        }
      }
      if (address === undefined) throw new XenAddressesExhaustedError(this.network);
      this.taken.set(holder, address);
    }
    return `${dotted(address)}/${this.prefix}`;
  }

  release(holder: string): void {
    this.taken.delete(holder);
  }
}

function dotted(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}
