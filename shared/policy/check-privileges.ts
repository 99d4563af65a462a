import { resolvePath } from '../xenstore/path.js';
import { PRIVILEGED_DOMID } from '../xenstore/permissions.js';
import { type Capability, CapabilityKind, capabilities, capabilitiesOf, parseCapability } from './capabilities.js';
import { unknownNameHint } from './closest-name.js';
import type { PolicyProblem } from './errors.js';
import { toPointer } from './json-pointer.js';
import type { HostPolicyDocument } from './policy-document.js';
import { disposedWhen, isDisposable, roles } from './roles.js';
import { Role } from './types.js';

/** Every role's capability list: the policy's where it names the role, else the role's defaults. */
export function privilegesOf(document: HostPolicyDocument): { [R in Role]: readonly string[] } {
  return Object.fromEntries(Object.values(Role).map((role) => [role, document.privileges?.[role] ?? roles[role].defaultPrivileges])) as { [R in Role]: readonly string[] };
}

/**
 * The privileges a policy gives roles: each usable by the role's job, no standing privilege on a
 * role that is disposed of (its guests, grants or nodes would outlive it), the capabilities a role
 * cannot work without, and known tenants and well-formed paths inside capabilities.
 */
export function checkPrivileges(document: HostPolicyDocument): PolicyProblem[] {
  const given = document.privileges ?? {};
  const rolesInUse = new Set(document.services.map((service) => service.role));
  return Object.values(Role).flatMap((role) => {
    const list = given[role];
    if (list === undefined) return [];
    const problems = list.flatMap((text, index) => checkCapability(document, role, text, toPointer('privileges', role, index)));
    if (rolesInUse.has(role)) {
      const held = capabilitiesOf(given, role).map((capability) => capability.kind);
      for (const required of roles[role].requires.filter((kind) => !held.includes(kind))) {
        problems.push({ pointer: toPointer('privileges', role), message: `a "${role}" service needs ${required} to do its job`, hint: `add "${required}" to the list` });
      }
    }
    return problems;
  });
}

function checkCapability(document: HostPolicyDocument, role: Role, text: string, pointer: string): PolicyProblem[] {
  const capability = parseCapability(text) as Capability;
  const spec = capabilities[capability.kind];
  if (!spec.holders.includes(role)) {
    return [{ pointer, message: `a "${role}" service cannot hold ${text}`, hint: `${capability.kind} is for ${spec.holders.join(', ')} services` }];
  }
  if (spec.standing && isDisposable(role)) {
    const lasting = Object.values(Role).filter((holder) => spec.holders.includes(holder) && !isDisposable(holder));
    return [{ pointer, message: `"${role}" is disposed of ${disposedWhen(role)}, but ${text} is a standing privilege that would outlive it`, hint: `give it to a role that lives on: ${lasting.join(', ')}` }];
  }
  if (capability.kind === CapabilityKind.vmManage && capability.scope.kind === 'tenant') {
    const tenants = (document.tenants ?? []).map((tenant) => tenant.id);
    if (!tenants.includes(capability.scope.tenant)) {
      return [{ pointer, message: `${text} names unknown tenant "${capability.scope.tenant}"`, hint: unknownNameHint(capability.scope.tenant, tenants, 'tenants') }];
    }
  }
  if (capability.kind === CapabilityKind.xenstoreWrite && !isXenstorePath(capability.path)) {
    return [{ pointer, message: `${text} does not name a XenStore path`, hint: 'write an absolute path of letters, digits, _, @ and -, without a trailing / or empty parts, e.g. "xenstore.write:/local/domain"' }];
  }
  return [];
}

/** An absolute path XenStore itself would take, as written (letters, digits, _ @ - and single slashes). */
function isXenstorePath(path: string): boolean {
  return path.startsWith('/') && resolvePath(path, PRIVILEGED_DOMID, false)?.absolute === path;
}
