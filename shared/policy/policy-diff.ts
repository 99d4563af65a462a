import { isDeepStrictEqual } from 'node:util';
import type { XenstoreQuotas } from '../xenstore/quotas.js';
import { CapabilityKind } from './capabilities.js';
import { explainPermissions, noLiveState, type PermissionRule } from './compile-permissions.js';
import { guestsServedBy } from './sharing.js';
import { type GrantPolicy, type GuestPolicy, type HostPolicy, Role, type ServicePolicy, type TenantPolicy } from './types.js';

/**
 * One value that differs between two policies (after defaults). `path` is a JSON pointer that
 * names list entries by id instead of index (`/services/blk/restart`, `/guests/web/disks/xvda/backend`);
 * `before` or `after` is null on the side where the value is absent.
 */
export interface Change {
  path: string;
  before: unknown;
  after: unknown;
}

/** Entries of a list keyed by id: whole entries added or removed, and the changes inside those in both. */
export interface ListDiff<T> {
  added: T[];
  removed: T[];
  changed: Array<{ id: string; changes: Change[] }>;
}

/** A subject a principal no longer has: the rule's reason is gone with it. */
export type RemovedRule = Pick<PermissionRule, 'direction' | 'effect' | 'subject'>;

/** A change that cannot be applied to a running host, and why; `what` is the path of the change (or of the list it is in). */
export interface RestartNeed {
  what: string;
  reason: string;
}

/**
 * What changes from one host policy to the next, JSON-serialisable; empty lists mean no change.
 * `needsRestart` lists what a running host cannot take on (`liveApplicable` is true when it is
 * empty); `reconfigure` lists the service VMs whose restart schedule changes, which a running
 * host takes at once.
 */
export interface PolicyDiff {
  identical: boolean;
  /** Host-level settings: host name and driver, PCI source, watchdog, restart budget, XenStore quotas. */
  host: Change[];
  tenants: ListDiff<TenantPolicy>;
  guests: ListDiff<GuestPolicy>;
  services: ListDiff<ServicePolicy>;
  sharing: {
    /** Per service, the guests it serves (`guestsServedBy`) that it gains and loses. */
    services: Array<{ service: string; gained: string[]; lost: string[] }>;
    /** Per guest, the backends of its disks and vifs that it gains and loses. */
    guests: Array<{ guest: string; gained: string[]; lost: string[] }>;
  };
  privileges: {
    roles: Array<{ role: Role; added: string[]; removed: string[] }>;
    grants: { added: GrantPolicy[]; removed: GrantPolicy[] };
  };
  /** Broker permissions compiled without live state: principals added and removed, and the subjects of the others. */
  permissions: {
    added: string[];
    removed: string[];
    changed: Array<{ principal: string; added: PermissionRule[]; removed: RemovedRule[] }>;
  };
  liveApplicable: boolean;
  needsRestart: RestartNeed[];
  reconfigure: Array<{ service: string; paths: string[] }>;
}

const HOST_REASONS: ReadonlyArray<{ prefix: string; reason: string }> = [
  { prefix: '/host/name', reason: "the host name is in every broker subject and names the host's state directory" },
  { prefix: '/host/driver', reason: 'service VMs stay on the driver that started them' },
  { prefix: '/pci', reason: 'pci-config enumerates PCI devices while the host boots, and is then disposed of' },
  { prefix: '/watchdog/', reason: 'each service VM heartbeats, and its lifecycle actor times it, with the watchdog it was started with' },
  { prefix: '/restartBudget/', reason: "each service VM's lifecycle actor counts crashes against the budget it was created with" },
  { prefix: '/xenstore/quotas/', reason: "xenstore-logic's clean snapshot holds the quotas, and every rollback restores that snapshot" },
];

const SERVICE_SETTINGS = ['restart', 'limits'] as const;

/** What changes from `old` to `next`: settings, entries, sharing, privileges and broker permissions. Pure. */
export function diffPolicies(old: HostPolicy, next: HostPolicy): PolicyDiff {
  const host = hostChanges(old, next);
  const services = listDiff('/services', old.services, next.services, (path, a, b) => fieldChanges(path, a, b, ['role', ...SERVICE_SETTINGS, 'devices', 'uses', 'serves', 'standbys']));
  const diff = {
    host,
    tenants: listDiff('/tenants', old.tenants, next.tenants, (path, a, b) => fieldChanges(path, a, b, ['isolated'])),
    guests: listDiff('/guests', old.guests, next.guests, guestChanges),
    services,
    sharing: {
      services: gainedAndLost(ids(old.services, next.services), (id) => guestsServedBy(old, id), (id) => guestsServedBy(next, id)).map(({ id, ...rest }) => ({ service: id, ...rest })),
      guests: gainedAndLost(ids(old.guests, next.guests), (id) => backendsOf(old, id), (id) => backendsOf(next, id)).map(({ id, ...rest }) => ({ guest: id, ...rest })),
    },
    privileges: {
      roles: gainedAndLost(Object.values(Role), (role) => old.privileges[role], (role) => next.privileges[role]).map(({ id, gained, lost }) => ({ role: id, added: gained, removed: lost })),
      grants: { added: missingFrom(next.grants, old.grants), removed: missingFrom(old.grants, next.grants) },
    },
    permissions: permissionChanges(old, next),
  };
  const needsRestart = [
    ...hostRestartNeeds(host),
    ...serviceRestartNeeds(old, next, services),
    ...xenstoreWriteRestartNeeds(diff.privileges.roles),
    ...toolstackRestartNeeds(next, diff.sharing.services),
  ];
  return {
    identical: isEmpty(diff) && needsRestart.length === 0,
    ...diff,
    liveApplicable: needsRestart.length === 0,
    needsRestart,
    reconfigure: reconfigured(old, services),
  };
}

function hostChanges(old: HostPolicy, next: HostPolicy): Change[] {
  return [
    ...fieldChanges('/host', old.host, next.host, ['name', 'driver']),
    ...valueChange('/pci', old.pci, next.pci),
    ...fieldChanges('/watchdog', old.watchdog, next.watchdog, ['heartbeatMs', 'timeoutMs', 'startTimeoutMs']),
    ...fieldChanges('/restartBudget', old.restartBudget, next.restartBudget, ['maxRestarts', 'windowMs', 'backoffInitialMs', 'backoffMaxMs']),
    ...fieldChanges('/xenstore/quotas', old.xenstore.quotas, next.xenstore.quotas, Object.keys(old.xenstore.quotas) as Array<keyof XenstoreQuotas>),
  ];
}

function guestChanges(path: string, old: GuestPolicy, next: GuestPolicy): Change[] {
  return [
    ...fieldChanges(path, old, next, ['tenant', 'memoryBytes', 'vcpus']),
    ...entryChanges(`${path}/disks`, old.disks, next.disks, (disk) => disk.vdev, ['sizeBytes', 'backend']),
    ...entryChanges(`${path}/vifs`, old.vifs, next.vifs, (vif) => vif.mac, ['backend', 'rateBitsPerSecond']),
  ];
}

/** The distinct backends of a guest's disks and vifs; none when the policy has no such guest. */
function backendsOf(policy: HostPolicy, guestId: string): string[] {
  const guest = policy.guests.find((candidate) => candidate.id === guestId);
  return [...new Set([...(guest?.disks ?? []), ...(guest?.vifs ?? [])].map((device) => device.backend))];
}

function permissionChanges(old: HostPolicy, next: HostPolicy): PolicyDiff['permissions'] {
  const before = explainPermissions(old, noLiveState);
  const after = explainPermissions(next, noLiveState);
  const key = (rule: RemovedRule) => `${rule.direction} ${rule.effect} ${rule.subject}`;
  const changed: PolicyDiff['permissions']['changed'] = [];
  for (const [principal, { rules }] of after) {
    const earlier = before.get(principal)?.rules;
    if (earlier === undefined) continue;
    const had = new Set(earlier.map(key));
    const has = new Set(rules.map(key));
    const added = rules.filter((rule) => !had.has(key(rule)));
    const removed = earlier.filter((rule) => !has.has(key(rule))).map(({ direction, effect, subject }) => ({ direction, effect, subject }));
    if (added.length > 0 || removed.length > 0) changed.push({ principal, added, removed });
  }
  return {
    added: [...after.keys()].filter((principal) => !before.has(principal)),
    removed: [...before.keys()].filter((principal) => !after.has(principal)),
    changed,
  };
}

function hostRestartNeeds(host: readonly Change[]): RestartNeed[] {
  return host.flatMap(({ path }) => {
    const reason = HOST_REASONS.find(({ prefix }) => path.startsWith(prefix))?.reason;
    return reason === undefined ? [] : [{ what: path, reason }];
  });
}

function serviceRestartNeeds(old: HostPolicy, next: HostPolicy, services: ListDiff<ServicePolicy>): RestartNeed[] {
  const needs: RestartNeed[] = [
    ...services.added.map(({ id }) => ({ what: `/services/${id}`, reason: 'service VMs start with the host, phase by phase; a running host does not add one' })),
    ...services.removed.map(({ id }) => ({ what: `/services/${id}`, reason: 'service VMs stop with the host; a running host disposes only of boot and pci-config, once their job is done' })),
  ];
  for (const { changes } of services.changed) {
    for (const { path } of changes) {
      if (path.endsWith('/role')) needs.push({ what: path, reason: "a service VM's role decides what it runs, when it boots and what it may do: a new role is a new service VM" });
      if (path.endsWith('/devices')) needs.push({ what: path, reason: 'pci-config assigns PCI devices while the host boots, and is then disposed of' });
      if (path.endsWith('/limits') || path.endsWith('/uses')) needs.push({ what: path, reason: "the service VM's clean snapshot holds it, and every rollback restores that snapshot" });
    }
  }
  const moved = next.services.flatMap(({ id }, index) => {
    const was = old.services.findIndex((service) => service.id === id);
    return was < 0 || was === index ? [] : [`${id} would be domain ${index + 1}, not ${was + 1}`];
  });
  if (moved.length > 0) needs.push({ what: '/services', reason: `service VMs are XenStore domains 1, 2, … in policy order, fixed at boot: ${moved.join('; ')}` });
  return needs;
}

/** The guests a toolstack manages are part of its clean snapshot. */
function toolstackRestartNeeds(next: HostPolicy, sharing: PolicyDiff['sharing']['services']): RestartNeed[] {
  return sharing.flatMap(({ service }) =>
    next.services.some((candidate) => candidate.id === service && candidate.role === Role.toolstack)
      ? [{ what: `/services/${service}/serves`, reason: "the toolstack's clean snapshot holds the guests it manages, and every rollback restores that snapshot" }]
      : [],
  );
}

/** Who may write where in XenStore is part of xenstore-logic's clean snapshot. */
function xenstoreWriteRestartNeeds(roles: PolicyDiff['privileges']['roles']): RestartNeed[] {
  return roles.flatMap(({ role, added, removed }) =>
    [...added, ...removed].some((capability) => capability.startsWith(`${CapabilityKind.xenstoreWrite}:`))
      ? [{ what: `/privileges/${role}`, reason: "xenstore-logic's clean snapshot holds which domains may write where, and every rollback restores that snapshot" }]
      : [],
  );
}

/** Service VMs in both policies whose restart schedule changes: a running host takes it at once. */
function reconfigured(old: HostPolicy, services: ListDiff<ServicePolicy>): PolicyDiff['reconfigure'] {
  return services.changed.flatMap(({ id, changes }) => {
    const paths = changes.map(({ path }) => path).filter((path) => path.endsWith('/restart'));
    return paths.length === 0 || !old.services.some((service) => service.id === id) ? [] : [{ service: id, paths }];
  });
}

function listDiff<T extends { id: string }>(path: string, old: readonly T[], next: readonly T[], changesOf: (path: string, old: T, next: T) => Change[]): ListDiff<T> {
  const { added, removed, both } = pair(old, next, (entry) => entry.id);
  const changed = both.flatMap(([a, b]) => {
    const changes = changesOf(`${path}/${b.id}`, a, b);
    return changes.length === 0 ? [] : [{ id: b.id, changes }];
  });
  return { added, removed, changed };
}

/** Sub-entries (a guest's disks, its vifs) as changes: whole entries added or removed, fields of the others. */
function entryChanges<T extends object>(path: string, old: readonly T[], next: readonly T[], key: (entry: T) => string, fields: ReadonlyArray<keyof T & string>): Change[] {
  const { added, removed, both } = pair(old, next, key);
  return [
    ...removed.map((entry) => ({ path: `${path}/${key(entry)}`, before: entry, after: null })),
    ...added.map((entry) => ({ path: `${path}/${key(entry)}`, before: null, after: entry })),
    ...both.flatMap(([a, b]) => fieldChanges(`${path}/${key(b)}`, a, b, fields)),
  ];
}

function pair<T>(old: readonly T[], next: readonly T[], key: (entry: T) => string): { added: T[]; removed: T[]; both: Array<[T, T]> } {
  const earlier = new Map(old.map((entry) => [key(entry), entry]));
  const later = new Set(next.map(key));
  return {
    added: next.filter((entry) => !earlier.has(key(entry))),
    removed: old.filter((entry) => !later.has(key(entry))),
    both: next.flatMap((entry): Array<[T, T]> => {
      const before = earlier.get(key(entry));
      return before === undefined ? [] : [[before, entry]];
    }),
  };
}

function fieldChanges<T extends object>(path: string, old: T, next: T, fields: ReadonlyArray<keyof T & string>): Change[] {
  return fields.flatMap((field) => valueChange(`${path}/${field}`, old[field], next[field]));
}

/** Lists of names (devices, uses) compare as sets: their order means nothing. */
function valueChange(path: string, before: unknown, after: unknown): Change[] {
  const names = (value: unknown) => (Array.isArray(value) && value.every((item) => typeof item === 'string') ? new Set(value) : value);
  return isDeepStrictEqual(names(before), names(after)) ? [] : [{ path, before: before ?? null, after: after ?? null }];
}

/** Per id, the names in `next` but not in `old` (gained) and the reverse (lost); ids with neither are left out. */
function gainedAndLost<I extends string>(keys: readonly I[], old: (id: I) => readonly string[], next: (id: I) => readonly string[]): Array<{ id: I; gained: string[]; lost: string[] }> {
  return keys.flatMap((id) => {
    const [before, after] = [old(id), next(id)];
    const gained = after.filter((name) => !before.includes(name));
    const lost = before.filter((name) => !after.includes(name));
    return gained.length === 0 && lost.length === 0 ? [] : [{ id, gained, lost }];
  });
}

/** The ids of both lists, in order: `old`'s, then those only `next` has. */
function ids(old: ReadonlyArray<{ id: string }>, next: ReadonlyArray<{ id: string }>): string[] {
  return [...new Set([...old, ...next].map(({ id }) => id))];
}

function missingFrom<T>(entries: readonly T[], others: readonly T[]): T[] {
  return entries.filter((entry) => !others.some((other) => isDeepStrictEqual(entry, other)));
}

/** True when every list in the sections is empty. */
function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.values(value).every(isEmpty);
}
