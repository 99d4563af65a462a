import { describe, expect, it } from 'vitest';
import { DriverDomains } from './driver-domains.js';

const domain = (n: number) => ({ name: `h1-net-${n}`, domid: 10 + n, dir: undefined });

describe('the live driver domains of a service', () => {
  it('serves guests from the lowest-numbered live instance, then the next once it is gone', () => {
    const domains = new DriverDomains();
    expect(domains.serving('net')).toBeUndefined();
    domains.add('net', 3, domain(3));
    domains.add('net', 4, domain(4));
    expect(domains.serving('net')?.name).toBe('h1-net-3');
    domains.remove('net', 3);
    expect(domains.serving('net')?.name).toBe('h1-net-4');
    domains.remove('net', 4);
    expect(domains.serving('net')).toBeUndefined();
  });
});
