import { XoarError } from '../errors/xoar-error.js';
import { parseWholeQuantity, type QuantityFormat } from './whole-quantity.js';

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

/** Decimal (SI) units, as network rates are: 1Kbit/s is 1000 bits per second. */
const RATE: QuantityFormat = {
  what: 'rate',
  pattern: RATE_PATTERN,
  perUnit: { Kbit: 1_000, Mbit: 1_000_000, Gbit: 1_000_000_000 },
  hint: 'write a whole number followed by Kbit/s, Mbit/s or Gbit/s, e.g. "100Mbit/s"',
  largest: '9007199Gbit/s',
  refuse: (text, problem, hint) => new RateInvalidError(text, problem, hint),
};

/** Parses a policy rate (`512Kbit/s`, `100Mbit/s`, `10Gbit/s`) into bits per second. */
export function parseRate(text: string): number {
  return parseWholeQuantity(RATE, text);
}
