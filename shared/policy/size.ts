import { SizeInvalidError } from './errors.js';
import { parseWholeQuantity, type QuantityFormat } from './whole-quantity.js';

/** `<whole number><unit>` with a binary unit: KiB, MiB, GiB or TiB. */
export const SIZE_PATTERN = /^([0-9]+)(KiB|MiB|GiB|TiB)$/;

const SIZE: QuantityFormat = {
  what: 'size',
  pattern: SIZE_PATTERN,
  perUnit: { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 },
  hint: 'write a whole number followed by KiB, MiB, GiB or TiB, e.g. "256MiB"',
  largest: '8191TiB',
  refuse: (text, problem, hint) => new SizeInvalidError(text, problem, hint),
};

/** Parses a policy size (`256MiB`, `10GiB`) into bytes. */
export function parseSize(text: string): number {
  return parseWholeQuantity(SIZE, text);
}
