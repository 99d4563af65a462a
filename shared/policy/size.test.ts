import { describe, expect, it } from 'vitest';
import { SizeInvalidError } from './errors.js';
import { parseSize } from './size.js';

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

  it.each([
    ['256', 'has no unit'],
    ['256MB', 'has unknown unit "MB"'],
    ['1.5GiB', 'is not a whole number'],
    ['10 GiB', 'contains white space'],
    ['-1MiB', 'is negative'],
    ['', 'is empty'],
    ['99999999999TiB', 'is too large'],
  ])('refuses "%s": it %s', (text, problem) => {
    expect(() => parseSize(text)).toThrow(SizeInvalidError);
    expect(() => parseSize(text)).toThrow(`size "${text}" ${problem}`);
  });
});
