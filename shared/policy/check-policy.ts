import { isSubjectToken } from '../bus/subjects.js';
import { isBdf } from '../pci/bdf.js';
import { CapabilityKind, capabilities, holds } from './capabilities.js';
import { checkGrants } from './check-grants.js';
import { checkGuests, checkSize, MIN_MEMORY_BYTES } from './check-guests.js';
import { checkIds, TOKEN_HINT } from './check-ids.js';
import { checkPrivileges, privilegesOf } from './check-privileges.js';
import { checkSharing } from './check-sharing.js';
import { unknownNameHint } from './closest-name.js';
import { parseDuration } from './duration.js';
import { DurationInvalidError } from './errors.js';
import { checkHostDriver } from './check-host-driver.js';
import type { PolicyProblem } from './errors.js';
import { toPointer } from './json-pointer.js';
import type { HostPolicyDocument, ServiceDocument } from './policy-document.js';
import { policyDefaults } from './policy-defaults.js';
import { disposedWhen, isDisposable, roles } from './roles.js';
import { Role } from './types.js';


/**
 * What the JSON Schema cannot say: names that must be unique or usable in subjects, the roles a
 * host needs, references between services, device ownership and timings that contradict each
 * other. Assumes the document passed the schema. Returns every problem found.
 */
export function checkPolicy(document: HostPolicyDocument): PolicyProblem[] {
  return [
    ...checkHostName(document),
    ...checkHostDriver(document),
    ...checkDurations(document),
    ...checkServiceIds(document.services),
    ...checkRoleCounts(document.services),
    ...checkRestarts(document.services),
    ...checkStandbys(document.services),
    ...checkUses(document.services),
    ...checkDevices(document),
    ...checkLimits(document.services),
    ...checkGuests(document),
    ...checkSharing(document),
    ...checkPrivileges(document),
    ...checkGrants(document),
  ];
}

function checkHostName(document: HostPolicyDocument): PolicyProblem[] {
  const name = document.host.name;
  return isSubjectToken(name)
    ? []
    : [{ pointer: toPointer('host', 'name'), message: `host name "${name}" is not a subject token`, hint: TOKEN_HINT }];
}

function checkDurations(document: HostPolicyDocument): PolicyProblem[] {
  const { watchdog = {}, restartBudget = {} } = document;
  const backoff = restartBudget.backoff ?? {};
  const fields: Array<[pointer: string, text: string | undefined]> = [
    [toPointer('watchdog', 'heartbeat'), watchdog.heartbeat],
    [toPointer('watchdog', 'timeout'), watchdog.timeout],
    [toPointer('watchdog', 'startTimeout'), watchdog.startTimeout],
    [toPointer('restartBudget', 'within'), restartBudget.within],
    [toPointer('restartBudget', 'backoff', 'initial'), backoff.initial],
    [toPointer('restartBudget', 'backoff', 'max'), backoff.max],
    ...document.services.map((service, index): [string, string | undefined] => [
      toPointer('services', index, 'restart', 'every'),
      typeof service.restart === 'object' ? service.restart.every : undefined,
    ]),
  ];
  const problems = fields.flatMap(([pointer, text]) => (text === undefined ? [] : checkDuration(pointer, text)));
  if (problems.length > 0) return problems;

  const heartbeat = watchdog.heartbeat ?? policyDefaults.watchdog.heartbeat;
  const timeout = watchdog.timeout ?? policyDefaults.watchdog.timeout;
  if (parseDuration(timeout) <= parseDuration(heartbeat)) {
    problems.push({
      pointer: toPointer('watchdog', watchdog.timeout === undefined ? 'heartbeat' : 'timeout'),
      message: `watchdog timeout ${timeout} is not longer than the heartbeat ${heartbeat}`,
      hint: 'make the timeout several heartbeats long, or every service VM will be declared hung',
    });
  }
  const initial = backoff.initial ?? policyDefaults.restartBudget.backoff.initial;
  const max = backoff.max ?? policyDefaults.restartBudget.backoff.max;
  if (parseDuration(initial) > parseDuration(max)) {
    problems.push({
      pointer: toPointer('restartBudget', 'backoff', backoff.max === undefined ? 'initial' : 'max'),
      message: `backoff max ${max} is shorter than backoff initial ${initial}`,
      hint: 'make max at least initial',
    });
  }
  return problems;
}

function checkDuration(pointer: string, text: string): PolicyProblem[] {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    if (error instanceof DurationInvalidError) return [{ pointer, message: error.message, hint: error.hint }];
    throw error;
  }
  return ms > 0 ? [] : [{ pointer, message: `duration "${text}" is zero`, hint: 'use a duration longer than 0' }];
}

function checkServiceIds(services: readonly ServiceDocument[]): PolicyProblem[] {
  return checkIds('service', services.map((service, index) => ({ id: service.id, pointer: toPointer('services', index, 'id') })), { principal: true });
}

const ROLE_COUNTS: ReadonlyArray<{ role: Role; min: number; max: number; rule: string }> = [
  { role: Role.boot, min: 1, max: 1, rule: 'exactly one' },
  { role: Role.pciConfig, min: 0, max: 1, rule: 'at most one' },
  { role: Role.xenstoreState, min: 1, max: Infinity, rule: 'at least one' },
  { role: Role.xenstoreLogic, min: 1, max: Infinity, rule: 'at least one' },
];

function checkRoleCounts(services: readonly ServiceDocument[]): PolicyProblem[] {
  return ROLE_COUNTS.flatMap(({ role, min, max, rule }) => {
    const indices = services.flatMap((service, index) => (service.role === role ? [index] : []));
    if (indices.length < min) {
      return [{ pointer: toPointer('services'), message: `no "${role}" service; a host needs ${rule}`, hint: `add a service with "role": "${role}"` }];
    }
    return indices.slice(max).map((index) => ({
      pointer: toPointer('services', index, 'role'),
      message: `another "${role}" service; a host has ${rule} (first at ${toPointer('services', indices[0] ?? 0)})`,
      hint: `remove this service or change its role`,
    }));
  });
}

function checkRestarts(services: readonly ServiceDocument[]): PolicyProblem[] {
  return services.flatMap((service, index) =>
    isDisposable(service.role) && service.restart !== undefined && service.restart !== 'never'
      ? [{
          pointer: toPointer('services', index, 'restart'),
          message: `a "${service.role}" service is disposed of ${disposedWhen(service.role)}, so it cannot restart ${JSON.stringify(service.restart)}`,
          hint: 'remove "restart" or set it to "never"',
        }]
      : [],
  );
}

function checkStandbys(services: readonly ServiceDocument[]): PolicyProblem[] {
  const warm = Object.values(Role).filter((role) => roles[role].warmStandbys);
  return services.flatMap((service, index) =>
    service.standbys !== undefined && !roles[service.role].warmStandbys
      ? [{ pointer: toPointer('services', index, 'standbys'), message: `a "${service.role}" service is rolled back without warm standbys`, hint: `remove "standbys"; only ${warm.join(', ')} services keep them` }]
      : [],
  );
}

function checkUses(services: readonly ServiceDocument[]): PolicyProblem[] {
  const ids = services.map((service) => service.id);
  return services.flatMap((service, index) =>
    (service.uses ?? []).flatMap((used, usedIndex): PolicyProblem[] => {
      const pointer = toPointer('services', index, 'uses', usedIndex);
      if (used === service.id) return [{ pointer, message: `"${used}" uses itself`, hint: 'a service always answers its own requests; remove it from "uses"' }];
      return ids.includes(used) ? [] : [{ pointer, message: `uses unknown service "${used}"`, hint: unknownNameHint(used, ids, 'services') }];
    }),
  );
}

function checkLimits(services: readonly ServiceDocument[]): PolicyProblem[] {
  return services.flatMap(({ id, limits }, index) =>
    limits?.memory === undefined
      ? []
      : checkSize(toPointer('services', index, 'limits', 'memory'), limits.memory, MIN_MEMORY_BYTES, { message: `service "${id}" is limited to ${limits.memory} of memory, less than 16MiB`, hint: 'allow a service VM at least 16MiB' }),
  );
}

function checkDevices(document: HostPolicyDocument): PolicyProblem[] {
  const { services } = document;
  const privileges = privilegesOf(document);
  const problems: PolicyProblem[] = [];
  const holder = new Map<string, number>();
  services.forEach((service, index) => {
    const devices = service.devices ?? [];
    if (devices.length > 0 && !holds(privileges, service.role, CapabilityKind.deviceAssigned)) {
      problems.push({
        pointer: toPointer('services', index, 'devices'),
        message: `a "${service.role}" service cannot hold PCI devices: its role lacks device:assigned`,
        hint: capabilities[CapabilityKind.deviceAssigned].holders.includes(service.role)
          ? `add "${CapabilityKind.deviceAssigned}" to privileges.${service.role}`
          : `assign devices only to driver VMs: ${capabilities[CapabilityKind.deviceAssigned].holders.join(', ')} services`,
      });
    }
    devices.forEach((bdf, deviceIndex) => {
      const pointer = toPointer('services', index, 'devices', deviceIndex);
      if (!isBdf(bdf)) {
        problems.push({ pointer, message: `"${bdf}" is not a PCI address`, hint: 'write it as domain:bus:device.function in lower-case hex, e.g. "0000:00:04.0"' });
        return;
      }
      const first = holder.get(bdf);
      if (first === undefined) {
        holder.set(bdf, index);
      } else {
        problems.push({
          pointer,
          message: `device ${bdf} is also assigned to "${services[first]?.id}" (${toPointer('services', first)})`,
          hint: 'assign each device to one driver VM; guests share it through that VM',
        });
      }
    });
  });
  return problems;
}

