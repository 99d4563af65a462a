import { describe, expect, it } from 'vitest';
import { formatPermission, parsePermission, rightsOf } from './permissions.js';
import type { XsPermission } from './permissions.js';

const perms = (...texts: string[]): XsPermission[] => texts.map((text) => parsePermission(text)!);
const NONE = { read: false, write: false, owner: false };

describe('parsePermission', () => {
  it('reads n, r, w and b entries and writes them back', () => {
    for (const text of ['n0', 'r1', 'w2', 'b65535']) expect(formatPermission(parsePermission(text)!)).toBe(text);
  });

  it.each(['x1', 'r', 'r-1', 'R1', 'r65536', ' r1'])('refuses %j', (text) => {
    expect(parsePermission(text)).toBeUndefined();
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
