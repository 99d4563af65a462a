import { MacInvalidError } from './errors.js';

/** A MAC address as text: six pairs of lower-case hex digits separated by colons (`00:16:3e:00:00:01`). */
export type MacAddress = string;

export const BROADCAST_MAC: MacAddress = 'ff:ff:ff:ff:ff:ff';

const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** The six bytes of a MAC address written in hex, in either case. */
export function parseMac(text: string): Uint8Array {
  if (!MAC_PATTERN.test(text)) throw new MacInvalidError(text);
  return Uint8Array.from(text.split(':'), (pair) => parseInt(pair, 16));
}

/** The six bytes at `offset` as a MAC address. */
export function formatMac(bytes: Uint8Array, offset = 0): MacAddress {
  let text = HEX[bytes[offset]!]!;
  for (let i = offset + 1; i < offset + 6; i += 1) text += `:${HEX[bytes[i]!]!}`;
  return text;
}

/** A group address (the I/G bit, the low bit of the first byte, is set); broadcast is one too. */
export function isMulticast(mac: MacAddress): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

export function isBroadcast(mac: MacAddress): boolean {
  return mac === BROADCAST_MAC;
}
