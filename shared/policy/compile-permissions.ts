import type { Permissions, SubjectRules } from '../broker/authorization.js';
import { auditorRules } from '../audit/auditor-permissions.js';
import { ALL_SUBJECTS, PING, serverApis, subjects } from '../bus/subjects.js';
import { capabilities, parseCapability } from './capabilities.js';
import { describeGrant, DeviceKind, type LiveGrant } from './live-grants.js';
import { ReservedPrincipal } from './principals.js';
import { disposedWhen, roles } from './roles.js';
import { type ServiceUse, serviceUses } from './services-used-by.js';
import { serviceDomid } from './domids.js';
import { type HostPolicy, Role, type ServicePolicy } from './types.js';

export const Direction = { publish: 'publish', subscribe: 'subscribe' } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

export const Effect = { allow: 'allow', deny: 'deny' } as const;
export type Effect = (typeof Effect)[keyof typeof Effect];

/** One subject in one principal's permissions, and the policy rule that put it there. */
export interface PermissionRule {
  direction: Direction;
  effect: Effect;
  subject: string;
  because: string;
}

/** A principal's permissions as rules: what `xoar policy explain` shows. */
export interface PrincipalRules {
  rules: PermissionRule[];
  /** Present when the principal may reply to requests it receives (nats `allow_responses`). */
  allowResponses?: { because: string };
}

/** What the host's live state adds to the policy. */
export interface LiveState {
  /** Service ids whose service VM was disposed of (boot, pci-config once done). */
  retired: ReadonlySet<string>;
  /** Runtime grants in force (a guest wired to its backends). */
  grants: readonly LiveGrant[];
  /** The guests that exist now, by id, with the domain id each was given when created. */
  guests: ReadonlyMap<string, number>;
}

export const noLiveState: LiveState = { retired: new Set(), grants: [], guests: new Map() };

const SERVER_APIS: ReadonlyArray<{ subject: string; because: string }> = [
  { subject: serverApis.jetstream, because: 'JetStream API: streams are managed by the supervisor only' },
  { subject: serverApis.keyValue, because: 'key-value buckets belong to the supervisor' },
  { subject: serverApis.objectStore, because: 'object stores (snapshots) belong to the supervisor' },
  { subject: serverApis.system, because: "the server's system account is not for services" },
];

/** Every principal's permissions with the reason for each subject, keyed by principal name. Pure. */
export function explainPermissions(policy: HostPolicy, live: LiveState): Map<string, PrincipalRules> {
  const compiled = new Map<string, PrincipalRules>([
    [ReservedPrincipal.supervisor, supervisorRules()],
    [ReservedPrincipal.operator, operatorRules(policy)],
    [ReservedPrincipal.auditor, auditorRules(policy.host.name)],
  ]);
  const askers = askersByService(policy, live);
  for (const service of policy.services) {
    compiled.set(service.id, live.retired.has(service.id) ? retiredRules(service) : serviceRules(policy, service, live, askers.get(service.id) ?? new Set()));
  }
  for (const guest of policy.guests) compiled.set(guest.id, guestRules(policy, guest.id, live));
  return compiled;
}

/** The broker permissions of every principal, keyed by principal name. Pure. */
export function compilePermissions(policy: HostPolicy, live: LiveState): Map<string, Permissions> {
  return new Map([...explainPermissions(policy, live)].map(([principal, rules]) => [principal, toPermissions(rules)]));
}

export function toPermissions({ rules, allowResponses }: PrincipalRules): Permissions {
  const permissions: Permissions = { publish: subjectRules(rules, Direction.publish), subscribe: subjectRules(rules, Direction.subscribe) };
  if (allowResponses !== undefined) permissions.allowResponses = true;
  return permissions;
}

function subjectRules(rules: readonly PermissionRule[], direction: Direction): SubjectRules {
  const of = (effect: Effect) => rules.filter((rule) => rule.direction === direction && rule.effect === effect).map((rule) => rule.subject);
  const deny = of(Effect.deny);
  return deny.length === 0 ? { allow: of(Effect.allow) } : { allow: of(Effect.allow), deny };
}

function supervisorRules(): PrincipalRules {
  const because = 'the supervisor is the trusted core';
  return {
    rules: [
      { direction: Direction.publish, effect: Effect.allow, subject: ALL_SUBJECTS, because },
      { direction: Direction.subscribe, effect: Effect.allow, subject: ALL_SUBJECTS, because },
    ],
  };
}

function operatorRules(policy: HostPolicy): PrincipalRules {
  const host = policy.host.name;
  const toolstacks = policy.services.filter((service) => service.role === Role.toolstack);
  return {
    rules: [
      { direction: Direction.publish, effect: Effect.allow, subject: subjects.controlAll(host), because: 'the operator sends commands to the supervisor' },
      ...toolstacks.map((toolstack) => ({
        direction: Direction.publish,
        effect: Effect.allow,
        subject: subjects.rpcForAnyGuest(host, toolstack.id),
        because: `the operator manages guests through their toolstack (${toolstack.id} decides which it serves)`,
      })),
      { direction: Direction.subscribe, effect: Effect.allow, subject: subjects.inboxAll(ReservedPrincipal.operator), because: 'the operator reads replies in its own inbox' },
    ],
  };
}

function retiredRules(service: ServicePolicy): PrincipalRules {
  const because = `${service.id} is retired (a ${service.role} service is disposed of ${disposedWhen(service.role)}): it keeps no privileges`;
  return {
    rules: [
      { direction: Direction.publish, effect: Effect.deny, subject: ALL_SUBJECTS, because },
      { direction: Direction.subscribe, effect: Effect.deny, subject: ALL_SUBJECTS, because },
    ],
  };
}

function serviceRules(policy: HostPolicy, service: ServicePolicy, live: LiveState, askers: ReadonlySet<string>): PrincipalRules {
  const host = policy.host.name;
  const rules = new Rules();
  rules.add(Direction.publish, Effect.allow, subjects.serviceStatus(host, service.id), 'every service reports its status and heartbeats to the supervisor');
  rules.add(Direction.subscribe, Effect.allow, subjects.serviceControl(host, service.id), 'every service takes commands from the supervisor');
  rules.add(Direction.subscribe, Effect.allow, subjects.rpcAll(host, service.id), 'every service receives the requests sent to it');
  rules.add(Direction.subscribe, Effect.allow, subjects.inboxAll(service.id), 'every service reads replies in its own inbox');
  for (const use of serviceUses(policy, service.id)) usesRules(host, use, rules);
  xenstoreRules(policy, service, rules);
  for (const grant of live.grants.filter((candidate) => candidate.service === service.id && candidate.device.kind === DeviceKind.vif)) {
    rules.add(Direction.publish, Effect.allow, subjects.guestFramesAll(host, grant.guest), `runtime grant from ${grant.issuedBy}: ${describeGrant(grant)}; it delivers the guest's frames`);
  }
  for (const op of roles[service.role].supervisorOps) {
    rules.add(Direction.publish, Effect.allow, subjects.supervisor(host, op, service.id), `role ${service.role} may ask the supervisor for ${op}`);
  }
  for (const text of policy.privileges[service.role]) {
    const capability = parseCapability(text);
    for (const op of capability === undefined ? [] : capabilities[capability.kind].supervisorOps) {
      rules.add(Direction.publish, Effect.allow, subjects.supervisor(host, op, service.id), `role ${service.role} holds ${text}`);
    }
  }
  for (const asker of askers) {
    rules.add(Direction.publish, Effect.allow, subjects.inboxAll(asker), `${service.id} answers ${asker}'s requests (a reply must get through even when a broker reload has forgotten the request)`);
  }
  denyPrivate(host, rules);
  return { rules: rules.list, allowResponses: { because: 'every service answers the requests it receives' } };
}

/** For each service, the principals that may send it requests: its replies go to their inboxes. */
function askersByService(policy: HostPolicy, live: LiveState): Map<string, Set<string>> {
  const askers = new Map(policy.services.map((service) => [service.id, new Set<string>()]));
  const add = (service: string, asker: string) => askers.get(service)?.add(asker);
  const principals = [...policy.services.filter((service) => !live.retired.has(service.id)).map((service) => service.id), ...policy.guests.map((guest) => guest.id)];
  for (const principal of principals) for (const use of serviceUses(policy, principal)) add(use.service.id, principal);
  for (const grant of live.grants) add(grant.service, grant.guest);
  for (const service of policy.services) {
    if (service.role === Role.toolstack) add(service.id, ReservedPrincipal.operator);
    if (service.role === Role.xenstoreLogic) for (const guest of live.guests.keys()) add(service.id, guest);
  }
  return askers;
}

/** A guest reads its own replies and reaches the services granted to it, about itself only. */
function guestRules(policy: HostPolicy, guest: string, live: LiveState): PrincipalRules {
  const host = policy.host.name;
  const rules = new Rules();
  rules.add(Direction.subscribe, Effect.allow, subjects.inboxAll(guest), 'every guest reads replies in its own inbox');
  for (const use of serviceUses(policy, guest)) usesRules(host, use, rules);
  for (const grant of live.grants.filter((candidate) => candidate.guest === guest)) {
    rules.add(Direction.publish, Effect.allow, subjects.rpcForGuestAll(host, grant.service, guest), `runtime grant from ${grant.issuedBy}: ${describeGrant(grant)}`);
  }
  const domid = live.guests.get(guest);
  if (domid !== undefined) {
    const because = `${guest} exists as domain ${domid}`;
    rules.add(Direction.publish, Effect.allow, subjects.guestStatus(host, guest), `${because}: it reports its status to the supervisor`);
    rules.add(Direction.subscribe, Effect.allow, subjects.guestFramesAll(host, guest), `${because}: its backends deliver its network frames`);
    rules.add(Direction.publish, Effect.allow, subjects.xenstoreRequestsOf(host, domid), `${because}, and uses XenStore as that domain and no other`);
    rules.add(Direction.subscribe, Effect.allow, subjects.xenstoreEventsOf(host, domid), `${because}, and uses XenStore as that domain and no other`);
    rules.add(Direction.subscribe, Effect.allow, subjects.xenstoreUp(host), `${guest} resends its unanswered XenStore requests when xenstore-logic restarts`);
  }
  denyPrivate(host, rules);
  return { rules: rules.list };
}

function usesRules(host: string, use: ServiceUse, rules: Rules): void {
  const because = use.because.join('; ');
  const { scope, service } = use;
  if (scope.kind === 'any') {
    rules.add(Direction.publish, Effect.allow, subjects.rpcAll(host, service.id), because);
    return;
  }
  rules.add(Direction.publish, Effect.allow, subjects.rpc(host, service.id, PING), `${because} (and may check that it answers)`);
  if (scope.kind === 'allGuests') rules.add(Direction.publish, Effect.allow, subjects.rpcForAnyGuest(host, service.id), because);
  else for (const guest of scope.guests) rules.add(Direction.publish, Effect.allow, subjects.rpcForGuestAll(host, service.id, guest), because);
}

function denyPrivate(host: string, rules: Rules): void {
  const denied = [{ subject: subjects.auditAll(host), because: 'only the supervisor writes and reads the audit log' }, ...SERVER_APIS];
  for (const { subject, because } of denied) {
    rules.add(Direction.publish, Effect.deny, subject, because);
    rules.add(Direction.subscribe, Effect.deny, subject, because);
  }
}

/** XenStore over the bus: Logic serves every domain; a user of it speaks as its own domain only. */
function xenstoreRules(policy: HostPolicy, service: ServicePolicy, rules: Rules): void {
  const host = policy.host.name;
  if (service.role === Role.xenstoreLogic) {
    rules.add(Direction.subscribe, Effect.allow, subjects.xenstoreRequestAll(host), 'xenstore-logic serves the XenStore requests of every domain (the subject names the domain)');
    rules.add(Direction.publish, Effect.allow, subjects.xenstoreEventAll(host), 'xenstore-logic delivers watch events to every domain');
    rules.add(Direction.publish, Effect.allow, subjects.xenstoreUp(host), 'a new xenstore-logic instance tells clients to resend what went unanswered');
  }
  const logic = serviceUses(policy, service.id).find((use) => use.service.role === Role.xenstoreLogic);
  if (logic === undefined) return;
  const domid = serviceDomid(policy, service.id);
  const because = `${service.id} uses ${logic.service.id} as domain ${domid}, and as no other`;
  rules.add(Direction.publish, Effect.allow, subjects.xenstoreRequestsOf(host, domid), because);
  rules.add(Direction.subscribe, Effect.allow, subjects.xenstoreEventsOf(host, domid), because);
  rules.add(Direction.subscribe, Effect.allow, subjects.xenstoreUp(host), `${service.id} resends its unanswered XenStore requests when xenstore-logic restarts`);
}

/** Rules without repeats: a subject granted twice keeps one entry with both reasons. */
class Rules {
  readonly list: PermissionRule[] = [];

  add(direction: Direction, effect: Effect, subject: string, because: string): void {
    const existing = this.list.find((rule) => rule.direction === direction && rule.effect === effect && rule.subject === subject);
    if (existing === undefined) {
      this.list.push({ direction, effect, subject, because });
    } else {
      existing.because = `${existing.because}; ${because}`;
    }
  }
}
