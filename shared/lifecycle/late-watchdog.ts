import type { Watchdog } from '../policy/types.js';

/**
 * Whether the watchdog's timer, set when the instance was last heard from, fired more than a
 * heartbeat period late. Then the supervisor itself was stalled (a blocked event loop, a starved
 * vCPU), and the heartbeats that came meanwhile still wait, unread, behind the timer: the timeout
 * is no evidence of a hang until they are read, which one more heartbeat period allows.
 */
export function watchdogFiredLate(lastHeardAt: number, now: number, watchdog: Watchdog): boolean {
  return now - lastHeardAt > watchdog.timeoutMs + watchdog.heartbeatMs;
}
