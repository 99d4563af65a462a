/** What `xoar host status` shows, served by the supervisor on `xoar.<host>.ctl.status`. */
export interface ServiceStatus {
  id: string;
  role: string;
  state: string;
  instance: number;
  pid: number | null;
  /** Rollbacks so far, whatever their cause. */
  restarts: number;
  uptimeMs: number | null;
  lastRollback: { at: string; cause: string; durationMs: number } | null;
  /**
   * How it rolls back: `make-before-break` (a warm standby takes over), `per-request` (make
   * before break after every request: each instance answers one) or `replace` (kill and restore).
   */
  rollback: 'make-before-break' | 'per-request' | 'replace';
  /** Warm standbys ready now (make-before-break services), else null. */
  standbys: number | null;
  /** The clean image a rollback restores, once taken. */
  snapshot: { digest: string; takenAt: string } | null;
  failure: string | null;
}

export interface HostStatus {
  v: 1;
  host: string;
  state: string;
  startedAt: string;
  natsUrl: string;
  /** The broker's pid, when the supervisor runs it. */
  natsPid: number | null;
  driver: string;
  sandbox: string;
  violations: number;
  /** Where dom0's tools reach XenStore (point XENSTORED_PATH at `socket`); null without XenStore. */
  xenstore: { socket: string } | null;
  services: ServiceStatus[];
}
