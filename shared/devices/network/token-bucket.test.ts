import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { TokenBucket, rateOf } from './token-bucket.js';

describe('TokenBucket', () => {
  it('starts full, then lets through exactly what the rate has added, to the byte and millisecond', () => {
    const clock = new SimulatedClock();
    const bucket = new TokenBucket({ bytesPerSecond: 1_000, burstBytes: 1_514 }, clock);
    expect(bucket.take(1_514)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    clock.increment(59);
    expect(bucket.take(60)).toBe(false);
    clock.increment(1);
    expect(bucket.take(60)).toBe(true);
    expect(bucket.take(1)).toBe(false);
  });

  it('fills no further than its burst, however long it is idle', () => {
    const clock = new SimulatedClock();
    const bucket = new TokenBucket({ bytesPerSecond: 1_000, burstBytes: 1_514 }, clock);
    expect(bucket.take(1_514)).toBe(true);
    clock.increment(1_000_000_000);
    expect(bucket.take(1_515)).toBe(false);
    expect(bucket.take(1_514)).toBe(true);
  });

  it('counts fractions of a byte: 125 bytes/s (1Kbit/s) adds one byte every 8 ms', () => {
    const clock = new SimulatedClock();
    const bucket = new TokenBucket({ bytesPerSecond: 125, burstBytes: 60 }, clock);
    expect(bucket.take(60)).toBe(true);
    clock.increment(7);
    expect(bucket.take(1)).toBe(false);
    clock.increment(1);
    expect(bucket.take(1)).toBe(true);
  });
});

describe('rateOf', () => {
  it('turns bits into bytes, with a burst of 10 ms of traffic', () => {
    expect(rateOf(100_000_000)).toEqual({ bytesPerSecond: 12_500_000, burstBytes: 125_000 });
  });

  it('lets at least one largest frame through at once', () => {
    expect(rateOf(512_000)).toEqual({ bytesPerSecond: 64_000, burstBytes: 1_514 });
  });
});
