import { describe, expect, it } from 'vitest';
import { guestTimeline } from '../../shared/audit/guest-timeline.js';
import { ChainedLog, t } from './support/chained-log.js';

describe('guestTimeline', () => {
  it("lists a guest's dependencies and the rollbacks of its services while it relied on them, in time order", () => {
    const index = new ChainedLog()
      .rollbacks('blk', [5, 30, 90])
      .rollbacks('builder', [15], 'request')
      .relies('g1', 'builder', 'builder', 10, 80)
      .relies('g1', 'blk', 'device', 20, 80)
      .relies('g2', 'blk', 'device', 20)
      .index();
    expect(guestTimeline(index, 'g1')).toEqual([
      { at: t(10), event: 'start', service: 'builder', via: 'builder' },
      { at: t(20), event: 'start', service: 'blk', via: 'device' },
      { at: t(30), event: 'service-ended', service: 'blk', via: 'device', how: 'rolled back (timer)' },
      { at: t(80), event: 'stop', service: 'builder', via: 'builder' },
      { at: t(80), event: 'stop', service: 'blk', via: 'device' },
    ]);
    expect(guestTimeline(index, 'nobody')).toEqual([]);
  });
});
