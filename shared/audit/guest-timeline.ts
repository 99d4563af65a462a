import type { AuditIndex } from './audit-index.js';
import { DependencyVia } from './audit-record.js';
import { firstAfter } from './sorted-times.js';

export const TimelineEvent = {
  /** The guest starts relying on the service (for `builder`: it was built). */
  start: 'start',
  /** The guest stops relying on the service (for `builder`: it was destroyed). */
  stop: 'stop',
  /** The service's instance ended (rolled back, destroyed) while the guest relied on it. */
  serviceEnded: 'service-ended',
} as const;
export type TimelineEvent = (typeof TimelineEvent)[keyof typeof TimelineEvent];

export interface TimelineEntry {
  at: string;
  event: TimelineEvent;
  service: string;
  via: DependencyVia;
  /** For `service-ended`: how (`rolled back (timer)`, `destroyed`). */
  how?: string;
}

/** A guest's life as the audit log tells it: what it relied on when, and each time one of those services was cleaned. Pure. */
export function guestTimeline(index: AuditIndex, guest: string): TimelineEntry[] {
  const entries: Array<TimelineEntry & { ms: number }> = [];
  for (const [service, intervals] of index.dependencies) {
    for (const { guest: who, via, from, to, fromIso, toIso } of intervals) {
      if (who !== guest) continue;
      entries.push({ ms: from, at: fromIso, event: TimelineEvent.start, service, via });
      if (to !== null && toIso !== null) entries.push({ ms: to, at: toIso, event: TimelineEvent.stop, service, via });
      if (via === DependencyVia.builder) continue;
      const ends = index.instanceEnds.get(service) ?? [];
      for (let i = firstAfter(ends, from, (e) => e.at); i < ends.length; i++) {
        const end = ends[i];
        if (end === undefined || (to !== null && end.at >= to)) break;
        entries.push({ ms: end.at, at: end.iso, event: TimelineEvent.serviceEnded, service, via, how: end.how });
      }
    }
  }
  return entries.sort((a, b) => a.ms - b.ms).map(({ ms: _ms, ...entry }) => entry);
}

