import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { DurationInvalidError } from './errors.js';

describe('parseDuration', () => {
  it.each([
    ['0ms', 0],
    ['250ms', 250],
    ['2s', 2_000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    ['1.1s', 1_100],
    ['0.001s', 1],
    ['007s', 7_000],
    ['9007199254740991ms', Number.MAX_SAFE_INTEGER],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'is empty'],
    ['250', 'has no unit'],
    ['5d', 'has unknown unit "d"'],
    ['5sec', 'has unknown unit "sec"'],
    ['1.s', 'has unknown unit ".s"'],
    [' 1s', 'contains white space'],
    ['1 s', 'contains white space'],
    ['-1s', 'is negative'],
    ['.5s', 'needs a digit before the decimal point'],
    ['s', 'is not a duration'],
    ['1e3ms', 'has unknown unit "e3ms"'],
    ['0.5ms', 'is not a whole number of milliseconds'],
    ['1.0001s', 'is not a whole number of milliseconds'],
    ['9007199254740992ms', 'is too long'],
    ['99999999999h', 'is too long'],
  ])('rejects %j: %s', (text, problem) => {
    const error = catchError(() => parseDuration(text));
    expect(error).toBeInstanceOf(DurationInvalidError);
    expect(error).toMatchObject({ code: 'duration-invalid', text, message: `duration "${text}" ${problem}` });
    expect((error as DurationInvalidError).hint).not.toBe('');
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
