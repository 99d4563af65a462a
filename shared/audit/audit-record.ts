/**
 * One entry of a host's audit log. Only the supervisor writes them; `component` is the
 * authenticated principal the record is about (a service id, a guest, the supervisor).
 */
export const AuditKind = {
  lifecycle: 'lifecycle',
  rollback: 'rollback',
  selfDestruct: 'self-destruct',
  violation: 'violation',
  privileged: 'privileged',
  /** A runtime grant came into force: {@link GrantChange}. */
  grantIssued: 'grant-issued',
  /** A runtime grant ended: {@link GrantChange}. */
  grantRevoked: 'grant-revoked',
  /** A new policy was applied to the running host. */
  policyApplied: 'policy-applied',
  host: 'host',
  /** A guest starts or stops relying on a service VM: {@link DependencyEdge}. */
  dependency: 'dependency',
  /** A service VM's clean snapshot was taken: {@link SnapshotTaken}. */
  snapshot: 'snapshot',
  /** A service VM accepted a request from another principal: {@link RequestAccepted}. */
  request: 'request',
  /** A recovery box was refused at a rollback (it did not fit its role's schema): {@link RecoveryBoxRejected}. */
  recoveryBox: 'recovery-box',
} as const;
export type AuditKind = (typeof AuditKind)[keyof typeof AuditKind];

export interface AuditRecord {
  v: 1;
  host: string;
  /** Stream sequence, filled in when read back (not part of the chained bytes). */
  seq?: number;
  /** Position in the host's chain: 1 for the first record, then +1 per record, assigned by the writer. */
  n: number;
  /** Hex sha256 of the previous record's canonical bytes; {@link GENESIS_HASH} for n = 1. */
  prev: string;
  at: string;
  kind: AuditKind;
  component: string;
  data: Record<string, unknown>;
}

/** The `prev` of a host's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** How a guest relies on a service VM. */
export const DependencyVia = {
  /** The service is the guest's block or network backend. */
  device: 'device',
  /** The service is the guest's XenStore. */
  xenstore: 'xenstore',
  /** The service built the guest: the edge starts when it is built and stops when it is destroyed. */
  builder: 'builder',
} as const;
export type DependencyVia = (typeof DependencyVia)[keyof typeof DependencyVia];

export const DependencyChange = { start: 'start', stop: 'stop' } as const;
export type DependencyChange = (typeof DependencyChange)[keyof typeof DependencyChange];

/** `data` of a `dependency` record; its `component` is the guest. */
export interface DependencyEdge {
  guest: string;
  service: string;
  via: DependencyVia;
  edge: DependencyChange;
}

/** `data` of `grant-issued` and `grant-revoked` records; their `component` is the principal that issued or revoked (the supervisor, for a policy change). */
export interface GrantChange {
  guest: string;
  service: string;
  device: { kind: string; id: string };
  issuedBy: string;
  /** Why a grant was revoked. */
  reason?: string;
}

/** `data` of a `snapshot` record; its `component` is the service VM. */
export interface SnapshotTaken {
  instance: number;
  /** Digest of the clean image a rollback restores. */
  digest: string;
}

/** `data` of a `recovery-box` record; its `component` is the service VM whose box was refused. */
export interface RecoveryBoxRejected {
  /** The instance that wrote the box. */
  writtenBy: number;
  /** The instance that started clean instead. */
  handedTo: number;
  problems: string[];
}

/**
 * `data` of a `request` record; its `component` is `to`, the service that accepted the requests.
 * Services report the requests they accept once a second, per sender: `count` requests from
 * `from`, the first at `first` and the last at `last` (ISO 8601; `first` ≤ `last`).
 */
export interface RequestAccepted {
  from: string;
  to: string;
  first: string;
  last: string;
  count: number;
}

/** One service VM in a `host` record's `services`: what the exposure query needs to know of it. */
export interface ServiceOnRecord {
  id: string;
  role: string;
  /** State a rollback hands to the fresh instance (declared in the policy); absent or empty: none. */
  recoveryBox?: string[];
}
