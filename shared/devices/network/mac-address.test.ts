import { describe, expect, it } from 'vitest';
import { MacInvalidError } from './errors.js';
import { BROADCAST_MAC, formatMac, isBroadcast, isMulticast, parseMac } from './mac-address.js';

describe('MAC addresses', () => {
  it('reads text into six bytes and writes them back in lower case', () => {
    expect([...parseMac('00:16:3e:0a:ff:01')]).toEqual([0x00, 0x16, 0x3e, 0x0a, 0xff, 0x01]);
    expect(formatMac(parseMac('00:16:3E:0A:FF:01'))).toBe('00:16:3e:0a:ff:01');
  });

  it('writes the six bytes at an offset', () => {
    expect(formatMac(Uint8Array.of(9, 9, 0, 0x16, 0x3e, 0, 0, 2), 2)).toBe('00:16:3e:00:00:02');
  });

  it.each([['00:16:3e:00:00'], ['00:16:3e:00:00:01:02'], ['00-16-3e-00-00-01'], ['00:16:3e:00:00:0g'], ['']])('refuses %j', (text) => {
    expect(() => parseMac(text)).toThrow(MacInvalidError);
  });

  it('tells group addresses by the low bit of the first byte, broadcast among them', () => {
    expect(isMulticast('00:16:3e:00:00:01')).toBe(false);
    expect(isMulticast('02:00:00:00:00:01')).toBe(false);
    expect(isMulticast('01:00:5e:00:00:fb')).toBe(true);
    expect(isMulticast('33:33:00:00:00:01')).toBe(true);
    expect(isMulticast(BROADCAST_MAC)).toBe(true);
    expect(isBroadcast(BROADCAST_MAC)).toBe(true);
    expect(isBroadcast('01:00:5e:00:00:fb')).toBe(false);
  });
});
