import type { XoarError } from '../errors/xoar-error.js';

/** How a policy writes a quantity: a whole number and one of a few units, `256MiB` or `100Mbit/s`. */
export interface QuantityFormat {
  /** What it is, for messages: `size`, `rate`. */
  what: string;
  /** The number, then the unit, each a capture group. */
  pattern: RegExp;
  /** What one of each unit is worth. */
  perUnit: Readonly<Record<string, number>>;
  /** How to write one. */
  hint: string;
  /** The largest that can be written, for the too-large hint. */
  largest: string;
  refuse(text: string, problem: string, hint: string): XoarError;
}

/** Parses a quantity into its smallest unit (bytes, bits per second), or throws what is wrong with it. */
export function parseWholeQuantity(format: QuantityFormat, text: string): number {
  const match = format.pattern.exec(text);
  if (match === null) throw format.refuse(text, describeMalformed(format, text), format.hint);
  const value = Number(match[1]) * (format.perUnit[match[2] ?? ''] ?? Number.NaN);
  if (!Number.isSafeInteger(value)) throw format.refuse(text, 'is too large', `use at most ${format.largest}`);
  return value;
}

function describeMalformed(format: QuantityFormat, text: string): string {
  if (text.trim() === '') return 'is empty';
  if (/\s/.test(text)) return 'contains white space';
  if (text.startsWith('-')) return 'is negative';
  if (/^[0-9]*\.[0-9]/.test(text)) return 'is not a whole number';
  const unit = /^[0-9]+(.*)$/.exec(text)?.[1];
  if (unit === '') return 'has no unit';
  if (unit !== undefined) return `has unknown unit "${unit}"`;
  return `is not a ${format.what}`;
}
