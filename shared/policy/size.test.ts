import { describe, expect, it } from 'vitest';
import { SizeInvalidError } from './errors.js';
import { formatSize, parseSize } from './size.js';

describe('parseSize', () => {
  it.each([
    ['4KiB', 4096],
    ['256MiB', 268_435_456],
    ['10GiB', 10_737_418_240],
    ['2TiB', 2_199_023_255_552],
    ['0MiB', 0],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([['256'], ['256MB'], ['1.5GiB'], ['-1MiB'], ['99999999999TiB']])('refuses %s with a hint', (text) => {
    expect(() => parseSize(text)).toThrow(SizeInvalidError);
  });
});

describe('formatSize', () => {
  it('writes the largest whole unit', () => {
    expect(formatSize(268_435_456)).toBe('256MiB');
    expect(formatSize(1536 * 1024 * 1024)).toBe('1536MiB');
    expect(formatSize(3)).toBe('3B');
  });
});
