import { isSubjectToken } from '../bus/subjects.js';
import type { PolicyProblem } from './errors.js';
import { isReservedPrincipal, ReservedPrincipal } from './principals.js';

export const TOKEN_HINT = 'use letters, digits, - and _ only: it becomes a NATS subject token';

export interface NamedAt {
  id: string;
  pointer: string;
}

/**
 * Ids of one kind (`service`, `guest`, `tenant`): subject tokens, unique, and, for principals,
 * neither reserved nor the id of a principal of another kind (`others`).
 */
export function checkIds(kind: string, named: readonly NamedAt[], options: { principal: boolean; others?: readonly NamedAt[] }): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const first = new Map<string, string>();
  for (const { id, pointer } of named) {
    if (options.principal && isReservedPrincipal(id)) {
      problems.push({ pointer, message: `${kind} id "${id}" is reserved for a broker principal`, hint: `choose another id; ${Object.values(ReservedPrincipal).join(', ')} are reserved` });
    } else if (!isSubjectToken(id)) {
      problems.push({ pointer, message: `${kind} id "${id}" is not a subject token`, hint: TOKEN_HINT });
    }
    const earlier = first.get(id);
    if (earlier !== undefined) {
      problems.push({ pointer, message: `duplicate ${kind} id "${id}" (first at ${earlier.replace(/\/id$/, '')})`, hint: `give every ${kind} a unique id` });
      continue;
    }
    first.set(id, pointer);
    const clash = options.others?.find((other) => other.id === id);
    if (clash !== undefined) {
      problems.push({ pointer, message: `${kind} id "${id}" is also a service id (${clash.pointer.replace(/\/id$/, '')})`, hint: 'services and guests are both broker principals: give each a different id' });
    }
  }
  return problems;
}
