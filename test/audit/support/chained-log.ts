import { AuditIndex } from '../../../shared/audit/audit-index.js';
import { type AuditKind, AuditKind as Kind, type AuditRecord, type DependencyVia, GENESIS_HASH, type ServiceOnRecord } from '../../../shared/audit/audit-record.js';
import { recordHash } from '../../../shared/audit/record-hash.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');

/** The ISO time `seconds` after the synthetic logs' epoch. */
export function t(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

/** The Date `seconds` after the synthetic logs' epoch. */
export function at(seconds: number): Date {
  return new Date(T0 + seconds * 1000);
}

/**
 * A synthetic host audit log for tests: events in any order, then `records()` sorts them by
 * time (stable) and chains them as the writer would, with stream sequences from 1.
 */
export class ChainedLog {
  private readonly events: Array<{ seconds: number; kind: AuditKind; component: string; data: Record<string, unknown> }> = [];

  constructor(private readonly host = 'h') {}

  event(seconds: number, kind: AuditKind, component: string, data: Record<string, unknown> = {}): this {
    this.events.push({ seconds, kind, component, data });
    return this;
  }

  booted(seconds: number, services: ServiceOnRecord[]): this {
    return this.event(seconds, Kind.host, 'supervisor', { event: 'booting', services });
  }

  rollbacks(service: string, times: number[], cause = 'timer'): this {
    for (const seconds of times) this.event(seconds, Kind.rollback, service, { cause });
    return this;
  }

  /** `guest` relies on `service` from `from` until `to` (never stops when left out). */
  relies(guest: string, service: string, via: DependencyVia, from: number, to?: number): this {
    this.event(from, Kind.dependency, guest, { guest, service, via, edge: 'start' });
    if (to !== undefined) this.event(to, Kind.dependency, guest, { guest, service, via, edge: 'stop' });
    return this;
  }

  /** `to` reports the requests it accepted from `from` between `first` and `last` (one request when left out). */
  request(first: number, from: string, to: string, last = first, count = 1): this {
    return this.event(last, Kind.request, to, { from, to, first: t(first), last: t(last), count });
  }

  records(): AuditRecord[] {
    const records: AuditRecord[] = [];
    let prev = GENESIS_HASH;
    for (const [i, { seconds, kind, component, data }] of [...this.events].sort((a, b) => a.seconds - b.seconds).entries()) {
      const record: AuditRecord = { v: 1, host: this.host, n: i + 1, prev, at: t(seconds), kind, component, data };
      prev = recordHash(record);
      records.push({ ...record, seq: i + 1 });
    }
    return records;
  }

  index(): AuditIndex {
    const index = new AuditIndex();
    for (const record of this.records()) index.add(record);
    return index;
  }
}
