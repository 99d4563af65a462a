import { SizeInvalidError } from './errors.js';

const BYTES_PER_UNIT = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 } as const;
type SizeUnit = keyof typeof BYTES_PER_UNIT;

/** `<whole number><unit>` with a binary unit: KiB, MiB, GiB or TiB. */
export const SIZE_PATTERN = /^([0-9]+)(KiB|MiB|GiB|TiB)$/;

/** Parses a policy size (`256MiB`, `10GiB`) into bytes. */
export function parseSize(text: string): number {
  const match = SIZE_PATTERN.exec(text);
  if (match === null) throw new SizeInvalidError(text, describeMalformed(text), 'write a whole number followed by KiB, MiB, GiB or TiB, e.g. "256MiB"');
  const bytes = Number(match[1]) * BYTES_PER_UNIT[match[2] as SizeUnit];
  if (!Number.isSafeInteger(bytes)) throw new SizeInvalidError(text, 'is too large', 'use at most 8191TiB');
  return bytes;
}

function describeMalformed(text: string): string {
  if (text.trim() === '') return 'is empty';
  if (/\s/.test(text)) return 'contains white space';
  if (text.startsWith('-')) return 'is negative';
  if (/^[0-9]*\.[0-9]/.test(text)) return 'is not a whole number';
  const unit = /^[0-9]+(.*)$/.exec(text)?.[1];
  if (unit === '') return 'has no unit';
  if (unit !== undefined) return `has unknown unit "${unit}"`;
  return 'is not a size';
}

/** The largest whole unit: 268435456 → `256MiB`. */
export function formatSize(bytes: number): string {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB'] as const) {
    if (bytes >= BYTES_PER_UNIT[unit] && bytes % BYTES_PER_UNIT[unit] === 0) return `${bytes / BYTES_PER_UNIT[unit]}${unit}`;
  }
  return `${bytes}B`;
}
