import { type AuditRecord, GENESIS_HASH } from './audit-record.js';
import { recordHash } from './record-hash.js';

/** What is wrong with the first record that does not fit the chain. */
export const ChainFault = {
  /** Its content changed after the record after it was chained to it. */
  edited: 'edited',
  /** Chain positions are missing before it. */
  removed: 'removed',
  /** It comes before records the writer chained before it. */
  reordered: 'reordered',
  /** The writer did not chain it: the records around it link past it, or its position is taken. */
  inserted: 'inserted',
  /** It carries no chain position or link at all. */
  unchained: 'unchained',
} as const;
export type ChainFault = (typeof ChainFault)[keyof typeof ChainFault];

export interface ChainProblem {
  fault: ChainFault;
  /** Stream sequence of the record at fault. */
  seq: number | null;
  /** Its chain position as it claims it (null when it carries none). */
  n: number | null;
  message: string;
}

export type ChainReport =
  | { ok: true; records: number; head: { n: number; hash: string } | null }
  | { ok: false; records: number; problem: ChainProblem };

/**
 * Checks that each record links to the one before it (`prev` is its hash) and takes the next
 * chain position (`n`), from the genesis on, and names the first record that does not fit.
 * Pure; `records` in stream order. A forged record appended after the last one, with the
 * right link, fits: only the writer's exclusive write access rules that out.
 */
export function verifyChain(records: readonly AuditRecord[]): ChainReport {
  const hashes = records.map((record) => (isChained(record) ? recordHash(record) : ''));
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as AuditRecord;
    const before = i === 0 ? undefined : { record: records[i - 1] as AuditRecord, hash: hashes[i - 1] as string };
    const expected = before === undefined ? { n: 1, prev: GENESIS_HASH } : { n: before.record.n + 1, prev: before.hash };
    if (isChained(record) && record.n === expected.n && record.prev === expected.prev) continue;
    return { ok: false, records: records.length, problem: diagnose(records, hashes, i, expected) };
  }
  const last = records.at(-1);
  return { ok: true, records: records.length, head: last === undefined ? null : { n: last.n, hash: hashes.at(-1) as string } };
}

function diagnose(records: readonly AuditRecord[], hashes: readonly string[], i: number, expected: { n: number; prev: string }): ChainProblem {
  const record = records[i] as AuditRecord;
  const at = { seq: record.seq ?? null, n: isChained(record) ? record.n : null };
  const where = describe(record);
  const next = records[i + 1];
  const nextChained = next !== undefined && isChained(next);
  const linkedToLater = records.some((other, j) => j > i + 1 && other.prev === hashes[i]);
  if (nextChained && next.n === expected.n && next.prev === expected.prev && !linkedToLater) {
    return { fault: ChainFault.inserted, ...at, message: `${where} was inserted: the record after it (${describe(next)}) links to the record before it` };
  }
  if (!isChained(record)) {
    return { fault: ChainFault.unchained, ...at, message: `${where} carries no chain position or link: the audit writer did not write it` };
  }
  if (record.n === expected.n) {
    const previous = records[i - 1];
    if (previous === undefined) {
      return { fault: ChainFault.edited, ...at, message: `${where} was edited: the first record links to the genesis hash, this one to ${short(record.prev)}` };
    }
    return {
      fault: ChainFault.edited,
      seq: previous.seq ?? null,
      n: previous.n,
      message: `${describe(previous)} was edited: its content hashes to ${short(hashes[i - 1] as string)}, but ${where}, chained after it, recorded ${short(record.prev)}`,
    };
  }
  if (nextChained && next.n === expected.n + 1) {
    return { fault: ChainFault.edited, ...at, message: `${where} was edited: it sits at position n ${expected.n} (between n ${expected.n - 1} and n ${next.n}) but claims n ${record.n}` };
  }
  if (record.n > expected.n) return skippedAhead(records, i, expected.n);
  return wentBack(records, hashes, i, expected.n);
}

/** A record whose position is ahead of the chain: the positions in between come later (reordered) or never (removed). */
function skippedAhead(records: readonly AuditRecord[], i: number, expectedN: number): ChainProblem {
  const record = records[i] as AuditRecord;
  const at = { seq: record.seq ?? null, n: record.n };
  const later = records.find((other, j) => j > i && isChained(other) && other.n === expectedN);
  if (later !== undefined) {
    return { fault: ChainFault.reordered, ...at, message: `${describe(record)} comes before ${describe(later)}, which the writer chained before it: records were reordered` };
  }
  const missing = record.n - 1 === expectedN ? `n ${expectedN} is` : `n ${expectedN}..${record.n - 1} are`;
  return { fault: ChainFault.removed, ...at, message: `${missing} missing before ${describe(record)}: records were removed` };
}

/**
 * A record whose position was used already. When it links to an earlier record and what
 * followed that record has no successor of its own, that follower was inserted (the forger
 * could only append it; the writer's next record linked past it). Otherwise this record is
 * the intruder: a replay, or a second record for a position the chain already holds.
 */
function wentBack(records: readonly AuditRecord[], hashes: readonly string[], i: number, expectedN: number): ChainProblem {
  const record = records[i] as AuditRecord;
  const linked = hashes.findIndex((hash, j) => j < i - 1 && hash === record.prev);
  const follower = records[linked + 1];
  const endorsed = linked + 2 < i && (records[linked + 2] as AuditRecord).prev === hashes[linked + 1];
  if (linked >= 0 && follower !== undefined && !endorsed && hashes[linked + 1] !== hashes[i]) {
    return {
      fault: ChainFault.inserted,
      seq: follower.seq ?? null,
      n: follower.n,
      message: `${describe(follower)} was inserted: ${describe(record)} links past it, to ${describe(records[linked] as AuditRecord)}`,
    };
  }
  const owner = records.find((other, j) => j < i && other.n === record.n);
  const why = owner === undefined ? `it goes back to n ${record.n} after n ${expectedN - 1}` : `position n ${record.n} is already taken by ${describe(owner)}`;
  return { fault: ChainFault.inserted, seq: record.seq ?? null, n: record.n, message: `${describe(record)} was inserted: ${why}` };
}

function isChained(record: AuditRecord): boolean {
  return Number.isSafeInteger(record.n) && typeof record.prev === 'string' && /^[0-9a-f]{64}$/.test(record.prev);
}

function describe(record: AuditRecord): string {
  const n = isChained(record) ? `n ${record.n}` : 'no n';
  return `the record at stream seq ${record.seq ?? '?'} (${n}, ${record.kind} of ${record.component})`;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
