/**
 * The time source of lifecycle machines. It is XState's `Clock` plus `now()`, so that
 * timers (XState delays) and time-stamped decisions (the restart budget) share one clock
 * and tests can drive both with xstate's `SimulatedClock`.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, timeout) => setTimeout(fn, timeout),
  clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
};
