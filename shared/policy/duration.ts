import { DurationInvalidError } from './errors.js';

const MS_PER_UNIT = { ms: 1n, s: 1_000n, m: 60_000n, h: 3_600_000n } as const;
type DurationUnit = keyof typeof MS_PER_UNIT;

/** `<number><unit>`: a decimal number (no sign, no exponent) and one of ms, s, m, h. */
export const DURATION_PATTERN = /^([0-9]+)(?:\.([0-9]+))?(ms|s|m|h)$/;

const UNITS_HINT = 'write a number followed by ms, s, m or h, e.g. "250ms", "2s", "1.5m"';

/** Parses a policy duration (`250ms`, `2s`, `1.5m`, `1h`) into whole milliseconds. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (match === null) {
    throw new DurationInvalidError(text, describeMalformed(text), UNITS_HINT);
  }
  const [, whole = '', fraction = '', unit] = match;
  // Decimal arithmetic in BigInt, so "1.1s" is exactly 1100ms.
  const scaled = BigInt(whole + fraction) * MS_PER_UNIT[unit as DurationUnit];
  const divisor = 10n ** BigInt(fraction.length);
  if (scaled % divisor !== 0n) {
    throw new DurationInvalidError(text, 'is not a whole number of milliseconds', 'round it to whole milliseconds');
  }
  const ms = scaled / divisor;
  if (ms > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DurationInvalidError(text, 'is too long', `use at most ${Number.MAX_SAFE_INTEGER}ms`);
  }
  return Number(ms);
}

function describeMalformed(text: string): string {
  if (text.trim() === '') return 'is empty';
  if (/\s/.test(text)) return 'contains white space';
  if (text.startsWith('-')) return 'is negative';
  if (text.startsWith('.')) return 'needs a digit before the decimal point';
  const unit = /^[0-9]+(?:\.[0-9]+)?(.*)$/.exec(text)?.[1];
  if (unit === '') return 'has no unit';
  if (unit !== undefined) return `has unknown unit "${unit}"`;
  return 'is not a duration';
}
