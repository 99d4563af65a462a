import { describe, expect, it } from 'vitest';
import { AddressPool } from './address-pool.js';
import { XenAddressesExhaustedError, XenConfigInvalidError } from './errors.js';

describe('the control network addresses', () => {
  it("hands out addresses after dom0's, each holder keeping its own", () => {
    const pool = new AddressPool('10.88.0.1/24');
    expect(pool.take('a')).toBe('10.88.0.2/24');
    expect(pool.take('b')).toBe('10.88.0.3/24');
    expect(pool.take('a')).toBe('10.88.0.2/24');
  });

  it('hands a released address out again', () => {
    const pool = new AddressPool('10.88.0.1/24');
    pool.take('a');
    pool.take('b');
    pool.release('a');
    expect(pool.take('c')).toBe('10.88.0.2/24');
  });

  it("never hands out the network, broadcast or dom0's own address, and says when none is left", () => {
    const pool = new AddressPool('192.168.7.2/30');
    expect(pool.take('a')).toBe('192.168.7.1/30');
    expect(() => pool.take('b')).toThrow(XenAddressesExhaustedError);
  });

  it('refuses a network that is not an IPv4 address with a prefix', () => {
    expect(() => new AddressPool('10.88.0.1')).toThrow(XenConfigInvalidError);
    expect(() => new AddressPool('10.88.0.300/24')).toThrow(/dom0's IPv4 address/);
  });
});
