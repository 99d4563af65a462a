import type { RequestAccepted } from '../../shared/audit/audit-record.js';
import type { StatusReport } from '../../shared/bus/messages.js';
import { isSubjectToken } from '../../shared/bus/subjects.js';

/** More senders than this in one report are not believed (a report is a second's worth). */
const MOST_SENDERS_PER_REPORT = 10_000;

/**
 * The `request` records a service's `requests` report stands for. The report is the service's
 * own word (only it may publish on its status subject); entries that are not well formed are
 * dropped, and no time is taken to be later than now.
 */
export function acceptedRequests(service: string, report: StatusReport, now: number): RequestAccepted[] {
  if (!Array.isArray(report.requests)) return [];
  return report.requests.slice(0, MOST_SENDERS_PER_REPORT).flatMap((entry) => {
    const { from, first, last, count } = entry ?? {};
    const wellFormed = typeof from === 'string' && isSubjectToken(from) && Number.isFinite(first) && Number.isFinite(last) && first <= last && Number.isSafeInteger(count) && count > 0;
    if (!wellFormed) return [];
    return [{ from, to: service, first: iso(Math.min(first, now)), last: iso(Math.min(last, now)), count }];
  });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
