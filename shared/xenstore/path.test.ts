import { describe, expect, it } from 'vitest';
import { isSameOrBelow, parentPath, resolvePath, XS_REL_PATH_MAX } from './path.js';

describe('resolvePath', () => {
  it('keeps absolute paths and resolves relative ones under the caller\'s /local/domain/<domid>', () => {
    expect(resolvePath('/a/b-c_d@e', 3, false)).toEqual({ absolute: '/a/b-c_d@e', relativeTo: undefined });
    expect(resolvePath('device/vif', 3, false)).toEqual({ absolute: '/local/domain/3/device/vif', relativeTo: '/local/domain/3' });
    expect(resolvePath('/', 0, false)?.absolute).toBe('/');
  });

  it.each(['', '/a/', '/a//b', '/a b', '/a.b', 'x/', '/ä'])('refuses %j', (path) => {
    expect(resolvePath(path, 0, true)).toBeUndefined();
  });

  it('accepts @special names only where allowed', () => {
    expect(resolvePath('@introduceDomain', 0, false)).toBeUndefined();
    expect(resolvePath('@introduceDomain', 0, true)).toEqual({ absolute: '@introduceDomain', relativeTo: undefined });
  });

  it('limits a path to XENSTORE_REL_PATH_MAX below /local/domain/<N>/, or in total elsewhere', () => {
    const name = (length: number): string => 'x'.repeat(length);
    expect(resolvePath(`/local/domain/7/${name(XS_REL_PATH_MAX)}`, 0, false)).toBeDefined();
    expect(resolvePath(`/local/domain/7/${name(XS_REL_PATH_MAX + 1)}`, 0, false)).toBeUndefined();
    expect(resolvePath(name(XS_REL_PATH_MAX), 7, false)).toBeDefined();
    expect(resolvePath(`/${name(XS_REL_PATH_MAX - 1)}`, 0, false)).toBeDefined();
    expect(resolvePath(`/${name(XS_REL_PATH_MAX)}`, 0, false)).toBeUndefined();
  });
});

describe('path helpers', () => {
  it('finds parents', () => {
    expect(parentPath('/a/b/c')).toBe('/a/b');
    expect(parentPath('/a')).toBe('/');
  });

  it('tells whether a path lies at or below another', () => {
    expect(isSameOrBelow('/a/b', '/a')).toBe(true);
    expect(isSameOrBelow('/a', '/a')).toBe(true);
    expect(isSameOrBelow('/ab', '/a')).toBe(false);
    expect(isSameOrBelow('/anything', '/')).toBe(true);
    expect(isSameOrBelow('@introduceDomain', '/')).toBe(false);
  });
});
