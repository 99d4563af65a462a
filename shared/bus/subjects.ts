/**
 * Every NATS subject xoar uses, in one place. Services never build subjects by hand;
 * the broker permissions are compiled from the same functions, so a subject that is not
 * built here cannot be granted.
 *
 *   xoar.<host>.svc.<id>.status    service  → supervisor  heartbeats and lifecycle reports
 *   xoar.<host>.svc.<id>.ctl       supervisor → service   commands (retire, stop)
 *   xoar.<host>.rpc.<id>.<op>      anyone granted → service  requests to a service VM
 *   xoar.<host>.rpc.<id>.g.<guest>.<op>  requests about one guest: a grant may be limited to these
 *   xoar.<host>.sup.<op>.<id>      service  → supervisor  privileged requests (platform.start, pci.assign,
 *                                  grant.issue, …); a principal may use its own <id> only: authentication
 *   xoar.<host>.ctl.<op>           operator → supervisor  CLI commands (status, service.restart, service.snapshot,
 *                                  policy.apply, host.down)
 *   xoar.<host>.audit.<kind>       supervisor only        the audit stream (JetStream)
 *   xoar.<host>.xs.req.<domid>.<s> domain → xenstore-logic  XenStore requests of session <s> (the
 *                                  broker lets a principal use its own domid only: authentication)
 *   xoar.<host>.xs.evt.<domid>.<s> xenstore-logic → domain  watch events of session <s>
 *   xoar.<host>.xs.up              xenstore-logic → all    "a new instance serves": resend unanswered
 *   xoar.<host>.gst.<guest>.status guest → supervisor     a guest's reports
 *   xoar.<host>.gst.<guest>.vif.<devid>  network backend → guest  frames for one of its vifs
 *   _INBOX.<principal>.>           one inbox prefix per principal, so nobody reads another's replies
 */
export const SUBJECT_ROOT = 'xoar';

/** A NATS token: letters, digits, `-` and `_` only (no `.`, `*`, `>` or white space). */
const TOKEN = /^[A-Za-z0-9_-]+$/;

export function isSubjectToken(value: string): boolean {
  return TOKEN.test(value);
}

function token(value: string, what: string): string {
  if (!TOKEN.test(value)) {
    throw new TypeError(`${what} "${value}" is not a valid subject token (letters, digits, - and _ only)`);
  }
  return value;
}

function domidToken(domid: number): string {
  if (!Number.isInteger(domid) || domid < 0 || domid > 0xffff) throw new TypeError(`domain id ${domid} is not an integer from 0 to 65535`);
  return String(domid);
}

export const subjects = {
  serviceStatus: (host: string, id: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.svc.${token(id, 'service id')}.status`,
  allServiceStatus: (host: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.svc.*.status`,
  serviceControl: (host: string, id: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.svc.${token(id, 'service id')}.ctl`,
  rpc: (host: string, id: string, op: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.rpc.${token(id, 'service id')}.${op}`,
  rpcAll: (host: string, id: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.rpc.${token(id, 'service id')}.>`,
  rpcForGuest: (host: string, id: string, guest: string, op: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.rpc.${token(id, 'service id')}.g.${token(guest, 'guest id')}.${op}`,
  rpcForGuestAll: (host: string, id: string, guest: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.rpc.${token(id, 'service id')}.g.${token(guest, 'guest id')}.>`,
  rpcForAnyGuest: (host: string, id: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.rpc.${token(id, 'service id')}.g.*.>`,
  supervisor: (host: string, op: string, principal: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.sup.${op}.${token(principal, 'principal')}`,
  supervisorFromAny: (host: string, op: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.sup.${op}.*`,
  supervisorAll: (host: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.sup.>`,
  control: (host: string, op: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.ctl.${op}`,
  controlAll: (host: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.ctl.>`,
  audit: (host: string, kind: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.audit.${kind}`,
  auditAll: (host: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.audit.>`,
  xenstoreRequest: (host: string, domid: number, session: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.xs.req.${domidToken(domid)}.${token(session, 'session')}`,
  xenstoreRequestsOf: (host: string, domid: number) => `${SUBJECT_ROOT}.${token(host, 'host')}.xs.req.${domidToken(domid)}.*`,
  xenstoreRequestAll: (host: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.xs.req.*.*`,
  xenstoreEvent: (host: string, domid: number, session: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.xs.evt.${domidToken(domid)}.${token(session, 'session')}`,
  xenstoreEventsOf: (host: string, domid: number) => `${SUBJECT_ROOT}.${token(host, 'host')}.xs.evt.${domidToken(domid)}.*`,
  xenstoreEventAll: (host: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.xs.evt.*.*`,
  xenstoreUp: (host: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.xs.up`,
  guestStatus: (host: string, guest: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.gst.${token(guest, 'guest id')}.status`,
  allGuestStatus: (host: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.gst.*.status`,
  guestFrames: (host: string, guest: string, devid: number) => `${SUBJECT_ROOT}.${token(host, 'host')}.gst.${token(guest, 'guest id')}.vif.${devid}`,
  guestFramesAll: (host: string, guest: string) => `${SUBJECT_ROOT}.${token(host, 'host')}.gst.${token(guest, 'guest id')}.vif.>`,
  inboxPrefix: (principal: string) => `_INBOX.${token(principal, 'principal')}`,
  inboxAll: (principal: string) => `_INBOX.${token(principal, 'principal')}.>`,
} as const;

/** The guest a request is about, from its subject (`rpcForGuest`); the broker lets only those granted send it. */
export function guestOfRequest(subject: string): string {
  const tokens = subject.split('.');
  if (tokens[0] !== SUBJECT_ROOT || tokens[2] !== 'rpc' || tokens[4] !== 'g' || tokens[5] === undefined) throw new TypeError(`${subject} is not a request about a guest`);
  return tokens[5];
}

/** The guest and device a device request is about (`rpcForGuest(host, backend, guest, '<kind>.<devid>')`). */
export function deviceOfRequest(subject: string): { guest: string; devid: string } {
  return { guest: guestOfRequest(subject), devid: subject.slice(subject.lastIndexOf('.') + 1) };
}

/** The operation every service VM answers with who it is: the liveness probe of clients and benchmarks. */
export const PING = 'ping';

/** Subjects outside xoar's namespace: the whole space, and the server's own APIs. */
export const ALL_SUBJECTS = '>';
export const serverApis = {
  jetstream: '$JS.>',
  keyValue: '$KV.>',
  objectStore: '$O.>',
  system: '$SYS.>',
} as const;

/** The JetStream stream that holds a host's audit log. */
export function auditStreamName(host: string): string {
  return `XOAR_AUDIT_${token(host, 'host').replace(/-/g, '_').toUpperCase()}`;
}

/** Supervisor operations a service may be granted (`xoar.<host>.sup.<op>`). */
export const SupervisorOp = {
  platformStart: 'platform.start',
  pciAssign: 'pci.assign',
  vmCreate: 'vm.create',
  vmStart: 'vm.start',
  vmDestroy: 'vm.destroy',
  grantIssue: 'grant.issue',
  grantRevoke: 'grant.revoke',
} as const;
export type SupervisorOp = (typeof SupervisorOp)[keyof typeof SupervisorOp];

/** Operator operations (`xoar.<host>.ctl.<op>`), used by the CLI. */
export const ControlOp = {
  status: 'status',
  serviceRestart: 'service.restart',
  /** Retake a service VM's snapshot from its running instance (after an upgrade). */
  serviceSnapshot: 'service.snapshot',
  hostDown: 'host.down',
  policyApply: 'policy.apply',
} as const;
export type ControlOp = (typeof ControlOp)[keyof typeof ControlOp];
