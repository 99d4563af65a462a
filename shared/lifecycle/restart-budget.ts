import type { RestartBudget } from '../policy/types.js';

/** The crash times still inside the budget window once a crash at `now` is counted. */
export function crashTimesInWindow(crashTimes: readonly number[], now: number, budget: RestartBudget): number[] {
  return [...crashTimes, now].filter((at) => now - at < budget.windowMs);
}

/** More crashes in the window than the budget allows restarts: give up. */
export function restartBudgetExhausted(crashesInWindow: number, budget: RestartBudget): boolean {
  return crashesInWindow > budget.maxRestarts;
}

/** How long to wait before restarting after the n-th crash in the window. */
export function restartBackoffMs(crashesInWindow: number, budget: RestartBudget): number {
  return Math.min(budget.backoffInitialMs * 2 ** (crashesInWindow - 1), budget.backoffMaxMs);
}
