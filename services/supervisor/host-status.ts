import type { LiveGrant } from '../../shared/policy/live-grants.js';

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
  /** Runtime grants in force: which guest device each backend serves. */
  grants: LiveGrant[];
}

/** What `xoar policy apply` reports, served on `xoar.<host>.ctl.policy.apply`. */
export interface PolicyApplied {
  policy: string;
  /** Principals whose broker permissions changed. */
  permissionsChanged: string[];
  /** Runtime grants the new policy no longer allows, revoked at the broker. */
  grantsRevoked: Array<LiveGrant & { reason: string }>;
  /** Services whose restart schedule changed: their period started over. */
  rescheduled: string[];
}
