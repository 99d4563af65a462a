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

/** JSON.stringify's output with every object's keys in sorted order (members that stringify to nothing are left out). */
function canonicalJson(value: object): string;
function canonicalJson(value: unknown): string | undefined;
function canonicalJson(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return canonicalJson(toJSON.call(value));
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item) ?? 'null').join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = canonicalJson((value as Record<string, unknown>)[key]);
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}
