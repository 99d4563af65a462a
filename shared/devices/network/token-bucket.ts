import type { Clock } from '../../clock.js';
import { MAX_FRAME_BYTES } from './ethernet-frame.js';

export interface Rate {
  bytesPerSecond: number;
  /** The bucket's size: the most that may pass at once, after an idle spell. */
  burstBytes: number;
}

/** The bucket for a vif's policy rate: its bytes per second, and a burst of 10 ms of traffic, at least one largest frame. */
export function rateOf(bitsPerSecond: number): Rate {
  const bytesPerSecond = bitsPerSecond / 8;
  return { bytesPerSecond, burstBytes: Math.max(MAX_FRAME_BYTES, Math.ceil(bytesPerSecond / 100)) };
}

/**
 * A token bucket that fills at `bytesPerSecond` (whole bytes) up to `burstBytes`, and starts full. Tokens are
 * thousandths of a byte, so that each millisecond adds a whole number of them: with a clock in
 * whole milliseconds, what passes is exact.
 */
export class TokenBucket {
  private readonly capacity: number;
  private tokens: number;
  private filledAt: number;

  constructor(
    private readonly rate: Rate,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    this.capacity = rate.burstBytes * 1000;
    this.tokens = this.capacity;
    this.filledAt = clock.now();
  }

  /** Takes `bytes` if the bucket holds that many, and says whether it did. */
  take(bytes: number): boolean {
    this.fill();
    const cost = bytes * 1000;
    if (cost > this.tokens) return false;
    this.tokens -= cost;
    return true;
  }

  private fill(): void {
    const now = this.clock.now();
    if (now <= this.filledAt) return;
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.filledAt) * this.rate.bytesPerSecond);
    this.filledAt = now;
  }
}
