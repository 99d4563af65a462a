import { CapabilityKind, parseCapability } from './capabilities.js';
import { privilegesOf } from './check-privileges.js';
import { unknownNameHint } from './closest-name.js';
import type { PolicyProblem } from './errors.js';
import { toPointer } from './json-pointer.js';
import type { HostPolicyDocument, ServiceDocument } from './policy-document.js';
import { roles } from './roles.js';
import { type SharingView, tenantsServedBy } from './sharing.js';
import { Role } from './types.js';

/**
 * Who shares what: only backends and toolstacks serve guests, they name known tenants and
 * guests, and no service acts for an isolated tenant's guests together with another tenant's.
 */
export function checkSharing(document: HostPolicyDocument): PolicyProblem[] {
  const tenants = (document.tenants ?? []).map((tenant) => tenant.id);
  const guests = (document.guests ?? []).map((guest) => guest.id);
  const problems = document.services.flatMap((service, index): PolicyProblem[] => {
    const serves = service.serves;
    if (serves === undefined) return [];
    const pointer = toPointer('services', index, 'serves');
    if (!roles[service.role].servesGuests) {
      const servers = Object.values(Role).filter((role) => roles[role].servesGuests);
      return [{ pointer, message: `a "${service.role}" service does not serve guests`, hint: `remove "serves"; only ${servers.join(', ')} services serve guests` }];
    }
    if (serves === 'all') return [];
    const [list, known, what] = 'tenants' in serves ? (['tenants', tenants, 'tenant'] as const) : (['guests', guests, 'guest'] as const);
    const names: readonly string[] = 'tenants' in serves ? serves.tenants : serves.guests;
    return names.flatMap((name, nameIndex) =>
      known.includes(name) ? [] : [{ pointer: `${pointer}/${list}/${nameIndex}`, message: `"${service.id}" serves unknown ${what} "${name}"`, hint: unknownNameHint(name, known, `${what}s`) }],
    );
  });
  return problems.length > 0 ? problems : document.services.flatMap((service, index) => checkIsolation(document, service, index));
}

/** One way a service comes to act for some tenants' guests, where the policy says so, and how to undo it. */
interface Reach {
  tenants: readonly string[];
  /** How, in words, and how to undo it; undefined for `serves`, which the message names itself. */
  how?: { what: string; hint: string };
  pointer: string;
}

/**
 * An isolated tenant's guests share no service VM with another tenant's: the tenants a service
 * serves, the guests granted requests to it, and the guests it manages through a builder (its
 * role's `vm.manage` beyond its own guests, its grants and uses of a builder) must not mix an
 * isolated tenant with another. Reported once per service, where the mix begins.
 */
function checkIsolation(document: HostPolicyDocument, service: ServiceDocument, index: number): PolicyProblem[] {
  const tenants = document.tenants ?? [];
  const reached: string[] = [];
  for (const reach of reachesOf(document, service, index)) {
    reached.push(...reach.tenants.filter((tenant) => !reached.includes(tenant)));
    const isolated = tenants.flatMap((tenant, at) => (tenant.isolated === true && reached.includes(tenant.id) ? [{ id: tenant.id, pointer: toPointer('tenants', at) }] : []));
    if (reached.length < 2 || isolated.length === 0) continue;
    const what = reach.how === undefined ? `"${service.id}" serves guests of tenants` : `"${service.id}" ${reach.how.what}, so it acts for guests of tenants`;
    return [{
      pointer: reach.pointer,
      message: `${what} ${quoted(reached)}, but ${isolated.map((tenant) => `tenant "${tenant.id}" is isolated (${tenant.pointer})`).join(' and ')}`,
      hint: reach.how?.hint ?? `give the guests of ${quoted(isolated.map((tenant) => tenant.id))} service VMs of their own, or drop "isolated" from the tenant`,
    }];
  }
  return [];
}

function reachesOf(document: HostPolicyDocument, service: ServiceDocument, index: number): Reach[] {
  const guests = document.guests ?? [];
  /** The tenants of the guests that pass `which` (every guest when it is left out). */
  const tenantsOf = (which: (guest: { id: string; tenant: string }) => boolean = () => true) => [...new Set(guests.filter(which).map((guest) => guest.tenant))];
  const view: SharingView = { services: document.services, guests };
  const isBuilder = (id: string) => document.services.some((candidate) => candidate.id === id && candidate.role === Role.builder);
  const reaches: Reach[] = [
    { tenants: tenantsServedBy(view, service.id), pointer: toPointer('services', index, 'serves') },
  ];
  privilegesOf(document)[service.role].forEach((text, at) => {
    const capability = parseCapability(text);
    if (capability?.kind !== CapabilityKind.vmManage || capability.scope.kind === 'own') return;
    const scope = capability.scope;
    reaches.push({
      tenants: scope.kind === 'all' ? tenantsOf() : tenantsOf((guest) => guest.tenant === scope.tenant),
      how: { what: `manages guests through ${text}`, hint: `use "vm.manage:own", so that each ${service.role} manages only the guests it serves` },
      pointer: toPointer('privileges', service.role, at),
    });
  });
  (service.uses ?? []).forEach((used, at) => {
    if (isBuilder(used)) reaches.push({ tenants: tenantsOf(), how: { what: `uses builder "${used}" for every guest`, hint: 'remove the use; "vm.manage:own" lets a toolstack reach the builder for the guests it serves' }, pointer: toPointer('services', index, 'uses', at) });
  });
  (document.grants ?? []).forEach((grant, at) => {
    const pointer = toPointer('grants', at);
    if (grant.service === service.id && guests.some((guest) => guest.id === grant.principal)) {
      reaches.push({ tenants: tenantsOf((guest) => guest.id === grant.principal), how: { what: `takes requests from guest "${grant.principal}" by a grant`, hint: 'grant the guest only services that serve its own tenant' }, pointer });
    } else if (grant.principal === service.id && isBuilder(grant.service)) {
      const about = grant.guests === undefined ? 'every guest' : quoted(grant.guests);
      reaches.push({ tenants: tenantsOf((guest) => grant.guests?.includes(guest.id) ?? true), how: { what: `may use builder "${grant.service}" for ${about} by a grant`, hint: 'grant it only guests of the tenants it serves' }, pointer });
    }
  });
  return reaches;
}

function quoted(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}
