import { describe, expect, it } from 'vitest';
import { StatusKind, WIRE_VERSION } from '../../shared/bus/messages.js';
import { acceptedRequests } from './accepted-requests.js';

const report = (requests: unknown) => ({ v: WIRE_VERSION, kind: StatusKind.requests, instance: 3, requests }) as Parameters<typeof acceptedRequests>[1];
const NOW = Date.parse('2025-01-01T00:01:00.000Z');

describe("a service's report of the requests it accepted", () => {
  it('becomes one request record per sender, with ISO times, accepted by the reporting service', () => {
    const records = acceptedRequests('builder', report([{ from: 'toolstack', first: NOW - 900, last: NOW - 100, count: 4 }]), NOW);
    expect(records).toEqual([{ from: 'toolstack', to: 'builder', first: '2025-01-01T00:00:59.100Z', last: '2025-01-01T00:00:59.900Z', count: 4 }]);
  });

  it('drops entries that are not well formed, and takes no time to be later than now', () => {
    const records = acceptedRequests(
      'blk',
      report([
        { from: 'a.b', first: 1, last: 2, count: 1 },
        { from: 'web', first: 5, last: 4, count: 1 },
        { from: 'web', first: 1, last: 2, count: 0 },
        { from: 'web', first: '1', last: 2, count: 1 },
        null,
        { from: 'db', first: NOW - 10, last: NOW + 60_000, count: 2 },
      ]),
      NOW,
    );
    expect(records).toEqual([{ from: 'db', to: 'blk', first: '2025-01-01T00:00:59.990Z', last: '2025-01-01T00:01:00.000Z', count: 2 }]);
  });

  it('is nothing when the report carries no list', () => {
    expect(acceptedRequests('blk', report('many'), NOW)).toEqual([]);
  });
});
