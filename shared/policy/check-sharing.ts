import { unknownNameHint } from './closest-name.js';
import type { PolicyProblem } from './errors.js';
import { toPointer } from './json-pointer.js';
import type { HostPolicyDocument } from './policy-document.js';
import { roles } from './roles.js';
import { tenantsServedBy } from './sharing.js';
import { Role } from './types.js';

/**
 * Who shares what: only backends and toolstacks serve guests, they name known tenants and
 * guests, and no service serves an isolated tenant's guests together with another tenant's.
 */
export function checkSharing(document: HostPolicyDocument): PolicyProblem[] {
  const tenants = (document.tenants ?? []).map((tenant) => tenant.id);
  const guests = (document.guests ?? []).map((guest) => guest.id);
  const view = { services: document.services, guests: document.guests ?? [] };
  return document.services.flatMap((service, index): PolicyProblem[] => {
    const serves = service.serves;
    if (serves === undefined) return [];
    const pointer = toPointer('services', index, 'serves');
    if (!roles[service.role].servesGuests) {
      const servers = Object.values(Role).filter((role) => roles[role].servesGuests);
      return [{ pointer, message: `a "${service.role}" service does not serve guests`, hint: `remove "serves"; only ${servers.join(', ')} services serve guests` }];
    }
    if (serves === 'all') return checkIsolation(document, view, service.id, pointer);
    const [list, known, what] = 'tenants' in serves ? (['tenants', tenants, 'tenant'] as const) : (['guests', guests, 'guest'] as const);
    const names: readonly string[] = 'tenants' in serves ? serves.tenants : serves.guests;
    const unknown = names.flatMap((name, nameIndex) =>
      known.includes(name) ? [] : [{ pointer: `${pointer}/${list}/${nameIndex}`, message: `"${service.id}" serves unknown ${what} "${name}"`, hint: unknownNameHint(name, known, `${what}s`) }],
    );
    return unknown.length > 0 ? unknown : checkIsolation(document, view, service.id, pointer);
  });
}

function checkIsolation(document: HostPolicyDocument, view: Parameters<typeof tenantsServedBy>[0], serviceId: string, pointer: string): PolicyProblem[] {
  const served = tenantsServedBy(view, serviceId);
  if (served.length < 2) return [];
  const tenants = document.tenants ?? [];
  return served.flatMap((id) => {
    const index = tenants.findIndex((tenant) => tenant.id === id);
    if (tenants[index]?.isolated !== true) return [];
    return [{
      pointer,
      message: `"${serviceId}" serves guests of tenants ${served.map((t) => `"${t}"`).join(', ')}, but tenant "${id}" is isolated (${toPointer('tenants', index)})`,
      hint: `give "${id}"'s guests service VMs of their own, or drop "isolated" from the tenant`,
    }];
  });
}
