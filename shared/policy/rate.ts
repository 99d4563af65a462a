import { XoarError } from '../errors/xoar-error.js';

/** Decimal (SI) units, as network rates are: 1Kbit/s is 1000 bits per second. */
const BITS_PER_UNIT = { Kbit: 1_000, Mbit: 1_000_000, Gbit: 1_000_000_000 } as const;
type RateUnit = keyof typeof BITS_PER_UNIT;

/** `<whole number><unit>/s` with unit Kbit, Mbit or Gbit. */
export const RATE_PATTERN = /^([0-9]+)(Kbit|Mbit|Gbit)\/s$/;

export class RateInvalidError extends XoarError {
  declare readonly hint: string;
  readonly text: string;

  constructor(text: string, problem: string, hint: string) {
    super('rate-invalid', `rate "${text}" ${problem}`, { hint });
    this.text = text;
  }
}

/** Parses a policy rate (`512Kbit/s`, `100Mbit/s`, `10Gbit/s`) into bits per second. */
export function parseRate(text: string): number {
  const match = RATE_PATTERN.exec(text);
  if (match === null) throw new RateInvalidError(text, describeMalformed(text), 'write a whole number followed by Kbit/s, Mbit/s or Gbit/s, e.g. "100Mbit/s"');
  const bits = Number(match[1]) * BITS_PER_UNIT[match[2] as RateUnit];
  if (!Number.isSafeInteger(bits)) throw new RateInvalidError(text, 'is too large', 'use at most 9007199Gbit/s');
  return bits;
}

function describeMalformed(text: string): string {
  if (text.trim() === '') return 'is empty';
  if (/\s/.test(text)) return 'contains white space';
  if (text.startsWith('-')) return 'is negative';
  if (/^[0-9]*\.[0-9]/.test(text)) return 'is not a whole number';
  const unit = /^[0-9]+(.*)$/.exec(text)?.[1];
  if (unit === '') return 'has no unit';
  if (unit !== undefined) return `has unknown unit "${unit}"`;
  return 'is not a rate';
}
