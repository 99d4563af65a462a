import type { Watchdog } from '../policy/types.js';

export const CrashCause = {
  /** The instance ended on its own (its watcher reported the exit). */
  exited: 'exited',
  /** No heartbeat for `watchdog.timeoutMs` while running: hung. */
  watchdog: 'watchdog',
  /** Not initialized within `watchdog.startTimeoutMs` of starting: stuck. */
  startTimeout: 'start-timeout',
} as const;
export type CrashCause = (typeof CrashCause)[keyof typeof CrashCause];

export interface Crash {
  cause: CrashCause;
  /** Clock time of the crash. */
  at: number;
  /** Exit code and signal, for `exited`. */
  code?: number | null;
  signal?: string | null;
  /** The last thing the instance said before it ended, for `exited`. */
  detail?: string;
}

export function describeCrash(crash: Crash, watchdog: Watchdog): string {
  switch (crash.cause) {
    case CrashCause.exited: {
      const how = crash.signal ? `killed by signal ${crash.signal}` : `exited with code ${crash.code ?? 'unknown'}`;
      return crash.detail ? `${how}: ${crash.detail}` : how;
    }
    case CrashCause.watchdog:
      return `no heartbeat for ${watchdog.timeoutMs} ms`;
    case CrashCause.startTimeout:
      return `not initialized within ${watchdog.startTimeoutMs} ms of starting`;
  }
}
