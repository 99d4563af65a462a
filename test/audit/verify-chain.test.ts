import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../shared/audit/audit-record.js';
import { recordHash } from '../../shared/audit/record-hash.js';
import { verifyChain } from '../../shared/audit/verify-chain.js';
import { ChainedLog } from './support/chained-log.js';

/** Six chained records, seq = n = 1..6. */
function sixRecords(): AuditRecord[] {
  return new ChainedLog()
    .booted(0, [{ id: 'blk', role: 'block' }])
    .rollbacks('blk', [10, 20, 30])
    .relies('g1', 'blk', 'device', 15, 40)
    .records();
}

const restamp = (records: AuditRecord[]) => records.map((record, i) => ({ ...record, seq: i + 1 }));

describe('verifyChain', () => {
  it('accepts an intact chain and reports its head', () => {
    const records = sixRecords();
    expect(verifyChain(records)).toEqual({ ok: true, records: 6, head: { n: 6, hash: recordHash(records[5] as AuditRecord) } });
    expect(verifyChain([])).toEqual({ ok: true, records: 0, head: null });
  });

  it('names an edited record: its successor recorded another hash', () => {
    const records = sixRecords();
    records[2] = { ...(records[2] as AuditRecord), data: { guest: 'g1', service: 'blk', via: 'xenstore', edge: 'start' } };
    expect(verifyChain(records)).toMatchObject({ ok: false, problem: { fault: 'edited', seq: 3, n: 3 } });
    const report = verifyChain(records);
    expect(!report.ok && report.problem.message).toMatch(/^the record at stream seq 3 \(n 3, dependency of g1\) was edited: its content hashes to [0-9a-f]{12}…, but the record at stream seq 4 \(n 4, rollback of blk\), chained after it, recorded [0-9a-f]{12}…$/);
  });

  it('names an edited first record, and a record whose position was changed', () => {
    const first = sixRecords();
    first[0] = { ...(first[0] as AuditRecord), prev: 'f'.repeat(64) };
    expect(verifyChain(first)).toMatchObject({ ok: false, problem: { fault: 'edited', seq: 1, n: 1 } });
    const renumbered = sixRecords();
    renumbered[2] = { ...(renumbered[2] as AuditRecord), n: 30 };
    expect(verifyChain(renumbered)).toMatchObject({ ok: false, problem: { fault: 'edited', seq: 3, n: 30, message: expect.stringContaining('sits at position n 3 (between n 2 and n 4) but claims n 30') } });
  });

  it('names the record after a removed one, with the missing positions', () => {
    const records = sixRecords();
    records.splice(2, 2);
    expect(verifyChain(records)).toMatchObject({
      ok: false,
      problem: { fault: 'removed', seq: 5, n: 5, message: 'n 3..4 are missing before the record at stream seq 5 (n 5, rollback of blk): records were removed' },
    });
    expect(verifyChain(sixRecords().slice(1))).toMatchObject({ ok: false, problem: { fault: 'removed', seq: 2, n: 2, message: expect.stringMatching(/^n 1 is missing before/) } });
  });

  it('names a record moved before one the writer chained earlier', () => {
    const records = sixRecords();
    const [third, fourth] = [records[2] as AuditRecord, records[3] as AuditRecord];
    records.splice(2, 2, fourth, third);
    expect(verifyChain(restamp(records))).toMatchObject({
      ok: false,
      problem: { fault: 'reordered', seq: 3, n: 4, message: 'the record at stream seq 3 (n 4, rollback of blk) comes before the record at stream seq 4 (n 3, dependency of g1), which the writer chained before it: records were reordered' },
    });
  });

  it('names an inserted record, whether it links correctly or not', () => {
    const records = sixRecords();
    const second = records[1] as AuditRecord;
    const forged: AuditRecord = { ...second, n: 3, prev: recordHash(second), data: { cause: 'forged' } };
    const linked = restamp([...records.slice(0, 2), forged, ...records.slice(2)]);
    expect(verifyChain(linked)).toMatchObject({ ok: false, problem: { fault: 'inserted', seq: 3, n: 3, message: expect.stringContaining('links past it') } });
    const unlinked = restamp([...records.slice(0, 2), { ...forged, prev: 'a'.repeat(64) }, ...records.slice(2)]);
    expect(verifyChain(unlinked)).toMatchObject({ ok: false, problem: { fault: 'inserted', seq: 3, n: 3, message: expect.stringContaining('the record after it (the record at stream seq 4 (n 3, dependency of g1)) links to the record before it') } });
  });

  it('names a replayed copy appended at the end, and a record without chain fields', () => {
    const records = sixRecords();
    const replayed = restamp([...records, records[1] as AuditRecord]);
    expect(verifyChain(replayed)).toMatchObject({ ok: false, problem: { fault: 'inserted', seq: 7, n: 2, message: expect.stringContaining('position n 2 is already taken by the record at stream seq 2') } });
    const bare = { ...(records[1] as AuditRecord), seq: 7 } as Partial<AuditRecord>;
    delete bare.n;
    expect(verifyChain([...records, bare as AuditRecord])).toMatchObject({ ok: false, problem: { fault: 'unchained', seq: 7, n: null } });
  });
});
