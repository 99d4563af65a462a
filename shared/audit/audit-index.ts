import { type AuditRecord, AuditKind, type DependencyEdge, DependencyChange, type DependencyVia, type RequestAccepted, type ServiceOnRecord } from './audit-record.js';
import { recordHash } from './record-hash.js';
import { firstAfter } from './sorted-times.js';

/** What the index knows of a service VM from the host records. */
export interface ServiceFacts {
  role: string;
  recoveryBox: string[];
}

/** The moment a service VM's instance (and whatever an attacker planted in it) was gone. */
export interface InstanceEnd {
  at: number;
  /** `at` as the record wrote it (ISO 8601), so that answers need not format it again. */
  iso: string;
  /** `rolled back (timer)`, `destroyed`, ... */
  how: string;
}

/** A guest's reliance on a service VM from `from` to `to` (null: it still relies on it). Times in ms. */
export interface DependencyInterval {
  guest: string;
  service: string;
  via: DependencyVia;
  from: number;
  to: number | null;
  /** `from` and `to` as the records wrote them (ISO 8601). */
  fromIso: string;
  toIso: string | null;
}

/**
 * The requests one principal sent that others accepted, as reported: per report the time of the
 * first request (sorted), of the last, and who accepted them; `longest` is the widest report
 * (last − first), so that a search by time knows how far back a report may still reach.
 */
export interface RequestSeries {
  at: number[];
  last: number[];
  to: string[];
  longest: number;
}

/** How many dependency intervals share one latest end in the index's skip list. */
const BLOCK = 64;

/** Lifecycle states in which a service VM's instance no longer exists. */
const INSTANCE_GONE = new Set(['destroyed', 'stopped', 'failed']);

/** The checkpoint format; a checkpoint of another format is rebuilt from the log. */
export const INDEX_FORMAT = 2;

/** Serialised form of an {@link AuditIndex}: what a checkpoint file holds. */
export interface AuditIndexJson {
  v: typeof INDEX_FORMAT;
  head: { seq: number; n: number; hash: string } | null;
  services: Array<[string, ServiceFacts]>;
  instanceEnds: Array<[string, InstanceEnd[]]>;
  dependencies: Array<[string, DependencyInterval[]]>;
  requests: Array<[string, RequestSeries]>;
}

/**
 * What the exposure query needs from a host's audit log, kept sorted so that a query looks
 * up times by binary search instead of scanning the log: per service VM its role facts and
 * the times its instance ended (rollbacks, destruction); per service the guests' dependency
 * intervals on it; per sender the requests others accepted from it. Built incrementally:
 * `add` each record in stream order; `toJSON` / `fromJSON` keep it between runs.
 */
export class AuditIndex {
  private last: AuditRecord | { seq: number; n: number; hash: string } | null = null;
  readonly services = new Map<string, ServiceFacts>();
  readonly instanceEnds = new Map<string, InstanceEnd[]>();
  readonly dependencies = new Map<string, DependencyInterval[]>();
  readonly requests = new Map<string, RequestSeries>();
  private readonly openDependencies = new Map<string, DependencyInterval>();
  /** Per service, the latest end (open: Infinity) of each block of its dependency intervals; dropped when they change. */
  private readonly blockEnds = new Map<string, number[]>();

  add(record: AuditRecord): void {
    const at = Date.parse(record.at);
    switch (record.kind) {
      case AuditKind.host:
        this.addServices(record.data['services']);
        break;
      case AuditKind.rollback:
        insertSorted(listOf(this.instanceEnds, record.component), { at, iso: record.at, how: `rolled back (${String(record.data['cause'] ?? 'unknown cause')})` }, endTime);
        break;
      case AuditKind.lifecycle:
        if (INSTANCE_GONE.has(String(record.data['to']))) insertSorted(listOf(this.instanceEnds, record.component), { at, iso: record.at, how: String(record.data['to']) }, endTime);
        break;
      case AuditKind.dependency:
        this.addDependency(record.data as unknown as DependencyEdge, at, record.at);
        break;
      case AuditKind.request:
        this.addRequest(record.data as unknown as RequestAccepted);
        break;
    }
    this.last = record;
  }

  /**
   * The guests' dependency intervals on `service` that may overlap `[from, to)`, in order of
   * start: blocks of intervals that had all ended before `from` are skipped without a look.
   */
  *dependenciesOverlapping(service: string, from: number, to: number): Generator<DependencyInterval> {
    const intervals = this.dependencies.get(service) ?? [];
    const ends = this.blockEndsOf(service, intervals);
    for (let block = 0; block < ends.length; block++) {
      if ((ends[block] as number) < from) continue;
      const last = Math.min(intervals.length, (block + 1) * BLOCK);
      for (let i = block * BLOCK; i < last; i++) {
        const interval = intervals[i] as DependencyInterval;
        if (interval.from >= to) return;
        yield interval;
      }
    }
  }

  private blockEndsOf(service: string, intervals: readonly DependencyInterval[]): number[] {
    const known = this.blockEnds.get(service);
    if (known !== undefined) return known;
    const ends: number[] = [];
    intervals.forEach((interval, i) => {
      const block = Math.floor(i / BLOCK);
      ends[block] = Math.max(ends[block] ?? -Infinity, interval.to ?? Infinity);
    });
    this.blockEnds.set(service, ends);
    return ends;
  }

  /** The last record added (stream seq, chain position and hash): where a reader continues. */
  get head(): { seq: number; n: number; hash: string } | null {
    if (this.last === null || 'hash' in this.last) return this.last;
    return { seq: this.last.seq ?? 0, n: this.last.n, hash: recordHash(this.last) };
  }

  toJSON(): AuditIndexJson {
    return {
      v: INDEX_FORMAT,
      head: this.head,
      services: [...this.services],
      instanceEnds: [...this.instanceEnds],
      dependencies: [...this.dependencies],
      requests: [...this.requests],
    };
  }

  static fromJSON(json: AuditIndexJson): AuditIndex {
    const index = new AuditIndex();
    index.last = json.head;
    for (const [id, facts] of json.services) index.services.set(id, facts);
    for (const [id, ends] of json.instanceEnds) index.instanceEnds.set(id, ends);
    for (const [service, intervals] of json.dependencies) {
      index.dependencies.set(service, intervals);
      for (const interval of intervals) if (interval.to === null) index.openDependencies.set(dependencyKey(interval), interval);
    }
    for (const [from, series] of json.requests) index.requests.set(from, series);
    return index;
  }

  private addServices(services: unknown): void {
    if (!Array.isArray(services)) return;
    for (const service of services as ServiceOnRecord[]) this.services.set(service.id, { role: service.role, recoveryBox: service.recoveryBox ?? [] });
  }

  private addDependency(edge: DependencyEdge, at: number, iso: string): void {
    this.blockEnds.delete(edge.service);
    const key = dependencyKey(edge);
    const open = this.openDependencies.get(key);
    if (edge.edge === DependencyChange.start) {
      if (open !== undefined) return;
      const interval: DependencyInterval = { guest: edge.guest, service: edge.service, via: edge.via, from: at, to: null, fromIso: iso, toIso: null };
      this.openDependencies.set(key, interval);
      insertSorted(listOf(this.dependencies, edge.service), interval, (i) => i.from);
    } else if (open !== undefined) {
      open.to = at;
      open.toIso = iso;
      this.openDependencies.delete(key);
    }
  }

  private addRequest(request: RequestAccepted): void {
    const first = Date.parse(request.first);
    const last = Date.parse(request.last);
    if (Number.isNaN(first) || Number.isNaN(last) || last < first) return;
    let series = this.requests.get(request.from);
    if (series === undefined) this.requests.set(request.from, (series = { at: [], last: [], to: [], longest: 0 }));
    const position = firstAfter(series.at, first, (t) => t);
    series.at.splice(position, 0, first);
    series.last.splice(position, 0, last);
    series.to.splice(position, 0, request.to);
    series.longest = Math.max(series.longest, last - first);
  }
}

function dependencyKey(edge: Pick<DependencyInterval, 'guest' | 'service' | 'via'>): string {
  return `${edge.guest}\u0000${edge.service}\u0000${edge.via}`;
}

function listOf<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

const endTime = (end: InstanceEnd) => end.at;

/** Inserts after every element not later than `value` (appending, the usual case, is O(1)). */
function insertSorted<T>(list: T[], value: T, time: (item: T) => number): void {
  list.splice(firstAfter(list, time(value), time), 0, value);
}
