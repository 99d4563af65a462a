import { createHash } from 'node:crypto';
import type { AuditRecord } from './audit-record.js';

/**
 * A record's canonical bytes: UTF-8 JSON with object keys sorted and no white space,
 * without the stream sequence (the stream assigns it; it is not the writer's to sign).
 * Values follow JSON.stringify: `undefined` members are left out, so a record hashes the
 * same before it is published and after it is read back.
 */
export function canonicalBytes(record: AuditRecord): Uint8Array {
  const { seq: _seq, ...content } = record;
  return new TextEncoder().encode(canonicalJson(content));
}

/** Hex sha256 of a record's canonical bytes: the `prev` of the record after it. */
export function recordHash(record: AuditRecord): string {
  return createHash('sha256').update(canonicalBytes(record)).digest('hex');
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => (isPlainObject(member) ? sortedKeys(member) : member));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortedKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(object).sort().map((key) => [key, object[key]]));
}
