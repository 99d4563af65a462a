import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../shared/audit/audit-record.js';
import { canonicalBytes, recordHash } from '../../shared/audit/record-hash.js';

const record: AuditRecord = { v: 1, host: 'h', n: 1, prev: '0'.repeat(64), at: '2025-01-01T00:00:00.000Z', kind: 'rollback', component: 'blk', data: { cause: 'timer', durationMs: 3 } };

describe('canonical bytes', () => {
  it('are sorted-key JSON without white space and without the stream sequence', () => {
    expect(new TextDecoder().decode(canonicalBytes({ ...record, seq: 9 }))).toBe(
      `{"at":"2025-01-01T00:00:00.000Z","component":"blk","data":{"cause":"timer","durationMs":3},"host":"h","kind":"rollback","n":1,"prev":"${'0'.repeat(64)}","v":1}`,
    );
  });

  it('hash the same whatever the key order, and the same after a JSON round trip (undefined members dropped)', () => {
    const reordered = { data: { durationMs: 3, cause: 'timer', snapshot: undefined }, component: 'blk', kind: 'rollback', at: record.at, prev: record.prev, n: 1, host: 'h', v: 1 } as AuditRecord;
    expect(recordHash(reordered)).toBe(recordHash(record));
    expect(recordHash(JSON.parse(JSON.stringify(reordered)) as AuditRecord)).toBe(recordHash(record));
    expect(recordHash({ ...record, data: { cause: 'operator', durationMs: 3 } })).not.toBe(recordHash(record));
  });
});
