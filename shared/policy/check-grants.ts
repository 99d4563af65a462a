import { unknownNameHint } from './closest-name.js';
import type { PolicyProblem } from './errors.js';
import { toPointer } from './json-pointer.js';
import type { HostPolicyDocument, ServiceDocument } from './policy-document.js';
import { disposedWhen, isDisposable, roles } from './roles.js';

/** One service sending requests to another, and where the policy says so. */
interface UseEdge {
  from: string;
  to: string;
  pointer: string;
}

/**
 * Explicit grants name known principals, services and guests, grant a guest requests about itself
 * only and never reach a disposed-of service; and requests between services flow one way: a service
 * never depends on one that boots after it (it would wait for it forever) nor on itself through others.
 */
export function checkGrants(document: HostPolicyDocument): PolicyProblem[] {
  const problems = (document.grants ?? []).flatMap((grant, index) => checkGrant(document, grant, index));
  return problems.length > 0 ? problems : checkUseOrder(document);
}

function checkGrant(document: HostPolicyDocument, grant: NonNullable<HostPolicyDocument['grants']>[number], index: number): PolicyProblem[] {
  const pointer = (...rest: Array<string | number>) => toPointer('grants', index, ...rest);
  const serviceIds = document.services.map((service) => service.id);
  const guestIds = (document.guests ?? []).map((guest) => guest.id);
  const problems: PolicyProblem[] = [];
  const isGuest = guestIds.includes(grant.principal);
  if (!isGuest && !serviceIds.includes(grant.principal)) {
    problems.push({ pointer: pointer('principal'), message: `grant to unknown principal "${grant.principal}"`, hint: unknownNameHint(grant.principal, [...serviceIds, ...guestIds], 'services or guests') });
  }
  const service = document.services.find((candidate) => candidate.id === grant.service);
  if (guestIds.includes(grant.service)) {
    problems.push({ pointer: pointer('service'), message: `grant of "${grant.service}", a guest: only services are granted`, hint: `name the service "${grant.principal}" may send requests to; a guest is granted as "principal"` });
  } else if (service === undefined) {
    problems.push({ pointer: pointer('service'), message: `grant of unknown service "${grant.service}"`, hint: unknownNameHint(grant.service, serviceIds, 'services') });
  } else if (grant.service === grant.principal) {
    problems.push({ pointer: pointer('service'), message: `"${grant.principal}" is granted itself`, hint: 'a service always answers its own requests; remove the grant' });
  } else if (isDisposable(service.role)) {
    problems.push({ pointer: pointer('service'), message: `"${service.id}" is a ${service.role} service, disposed of ${disposedWhen(service.role)}: nothing can use it`, hint: 'grant a service that lives on' });
  }
  (grant.guests ?? []).forEach((guest, guestIndex) => {
    if (!guestIds.includes(guest)) {
      problems.push({ pointer: pointer('guests', guestIndex), message: `grant about unknown guest "${guest}"`, hint: unknownNameHint(guest, guestIds, 'guests') });
    } else if (isGuest && guest !== grant.principal) {
      problems.push({ pointer: pointer('guests', guestIndex), message: `guest "${grant.principal}" is granted requests about guest "${guest}"`, hint: 'a guest may be granted requests about itself only' });
    }
  });
  return problems;
}

function checkUseOrder(document: HostPolicyDocument): PolicyProblem[] {
  const byId = new Map(document.services.map((service) => [service.id, service]));
  // Self-uses are refused where they are written (`checkUses`, `checkGrant`).
  const edges = useEdges(document).filter((edge) => byId.has(edge.from) && byId.has(edge.to) && edge.from !== edge.to);
  const later = edges.flatMap((edge): PolicyProblem[] => {
    const [from, to] = [byId.get(edge.from) as ServiceDocument, byId.get(edge.to) as ServiceDocument];
    if (roles[to.role].phase <= roles[from.role].phase) return [];
    return [{
      pointer: edge.pointer,
      message: `"${from.id}" (${from.role}) uses "${to.id}" (${to.role}), which boots after it: "${from.id}" would wait for it forever`,
      hint: `boot order is ${bootOrder()}; a service may use only services of its own or earlier phases`,
    }];
  });
  return later.length > 0 ? later : findCycle(edges);
}

function useEdges(document: HostPolicyDocument): UseEdge[] {
  return [
    ...document.services.flatMap((service, index) => (service.uses ?? []).map((to, useIndex) => ({ from: service.id, to, pointer: toPointer('services', index, 'uses', useIndex) }))),
    ...(document.grants ?? []).map((grant, index) => ({ from: grant.principal, to: grant.service, pointer: toPointer('grants', index) })),
  ];
}

/** The first cycle among the explicit uses, reported at the edge that closes it. */
function findCycle(edges: readonly UseEdge[]): PolicyProblem[] {
  const next = new Map<string, UseEdge[]>();
  for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge]);
  const done = new Set<string>();
  const walk = (node: string, path: string[]): PolicyProblem | undefined => {
    if (done.has(node)) return undefined;
    for (const edge of next.get(node) ?? []) {
      const at = path.indexOf(edge.to);
      if (at >= 0) {
        const cycle = [...path.slice(at), edge.to].map((id) => `"${id}"`).join(' → ');
        return { pointer: edge.pointer, message: `services use each other in a cycle: ${cycle}`, hint: 'requests between service VMs must flow one way: remove one of these uses or grants' };
      }
      const found = walk(edge.to, [...path, edge.to]);
      if (found !== undefined) return found;
    }
    done.add(node);
    return undefined;
  };
  for (const start of next.keys()) {
    const found = walk(start, [start]);
    if (found !== undefined) return [found];
  }
  return [];
}

function bootOrder(): string {
  const phases = new Map<number, string[]>();
  for (const [role, spec] of Object.entries(roles)) phases.set(spec.phase, [...(phases.get(spec.phase) ?? []), role]);
  return [...phases.entries()].sort(([a], [b]) => a - b).map(([, names]) => names.join(' + ')).join(' → ');
}
