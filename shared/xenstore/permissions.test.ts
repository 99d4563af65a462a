import { describe, expect, it } from 'vitest';
import { formatPermission, isExistingDomain, parsePermission, rightsOf } from './permissions.js';
import type { XsPermission } from './permissions.js';

const perms = (...texts: string[]): XsPermission[] => texts.map((text) => parsePermission(text)!);
const NONE = { read: false, write: false, owner: false };

describe('parsePermission', () => {
  it('reads n, r, w and b entries and writes them back', () => {
    for (const text of ['n0', 'r1', 'w2', 'b65535']) expect(formatPermission(parsePermission(text)!)).toBe(text);
  });

  it('reads any id that fits a C int, whether or not it names an existing domain', () => {
    for (const text of ['r-5', 'n65536', 'w2147483647', 'b-2147483648']) expect(formatPermission(parsePermission(text)!)).toBe(text);
    expect(parsePermission('r-0')).toEqual({ access: 'r', domid: 0 });
  });

  it.each(['x1', 'r', 'R1', ' r1', 'r+1', 'r0x10', 'r 1', 'r2147483648', 'r-2147483649', 'r99999999999'])('refuses %j', (text) => {
    expect(parsePermission(text)).toBeUndefined();
  });
});

describe('isExistingDomain', () => {
  it('counts every id below DOMID_FIRST_RESERVED as a domain, and nothing else', () => {
    for (const domid of [0, 1, 0x7fef]) expect(isExistingDomain(domid)).toBe(true);
    for (const domid of [-1, 0x7ff0, 0x7fff, 70000]) expect(isExistingDomain(domid)).toBe(false);
  });
});

describe('rightsOf', () => {
  it('gives the owner (first entry) everything, whatever the entry says', () => {
    expect(rightsOf(5, perms('n5'))).toEqual({ read: true, write: true, owner: true });
  });

  it('gives dom0 everything', () => {
    expect(rightsOf(0, perms('n5'))).toEqual({ read: true, write: true, owner: true });
  });

  it('uses the domain\'s own entry when listed, else the first entry\'s access', () => {
    const list = perms('r5', 'w7', 'n8');
    expect(rightsOf(7, list)).toEqual({ read: false, write: true, owner: false });
    expect(rightsOf(8, list)).toEqual(NONE);
    expect(rightsOf(9, list)).toEqual({ read: true, write: false, owner: false });
    expect(rightsOf(9, perms('b5'))).toEqual({ read: true, write: true, owner: false });
  });
});
