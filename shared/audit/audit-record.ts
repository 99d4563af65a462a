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
  grantRevoked: 'grant-revoked',
  host: 'host',
} as const;
export type AuditKind = (typeof AuditKind)[keyof typeof AuditKind];

export interface AuditRecord {
  v: 1;
  host: string;
  /** Stream sequence, filled in when read back. */
  seq?: number;
  at: string;
  kind: AuditKind;
  component: string;
  data: Record<string, unknown>;
}
