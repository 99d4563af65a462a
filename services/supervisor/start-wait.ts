import type { Watchdog } from '../../shared/policy/types.js';

/**
 * How long the supervisor waits for an instance to come up (a guest's start or end, an operator's
 * rollback or retake): the policy's start timeout, plus time for its lifecycle machine to report
 * an overrun first.
 */
export function startWaitMs(watchdog: Watchdog): number {
  return watchdog.startTimeoutMs + 20_000;
}
