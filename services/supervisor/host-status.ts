import type { BlockWorkloadCounters, DeviceStatus, NetWorkloadCounters } from '../../shared/guest/guest-report.js';
import type { Crash } from '../../shared/lifecycle/crash.js';
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
  /** How long building or destroying a guest may take here (guestOpTimeoutMs of the policy's start timeout). */
  guestOpTimeoutMs: number;
  services: ServiceStatus[];
  /** Runtime grants in force: which guest device each backend serves. */
  grants: LiveGrant[];
  /** Every guest of the policy: whether it exists, its domain, its devices and its workload's counters. */
  guests: GuestStatus[];
}

export interface GuestStatus {
  id: string;
  tenant: string;
  /** `defined` (not created), `created` (wired, not started), then the guest machine's state. */
  state: string;
  domid: number | null;
  pid: number | null;
  /** The toolstack that manages it (`xoar guest create` goes through it); null when none serves it. */
  toolstack: string | null;
  builtBy: string | null;
  createdAt: string | null;
  devices: DeviceStatus[];
  workload: { block?: BlockWorkloadCounters; net?: NetWorkloadCounters } | null;
  crash: Crash | null;
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
