import type { Permissions, SubjectRules } from '../broker/authorization.js';
import { subjectMatches } from '../bus/subject-match.js';

/**
 * What the broker enforces for a literal subject once `render-config` wrote the rules: an
 * allow-list entry must match (an empty list allows nothing) and no deny may.
 */
export function permits(rules: SubjectRules, subject: string): boolean {
  const allowed = rules.allow.some((pattern) => subjectMatches(pattern, subject));
  return allowed && !(rules.deny ?? []).some((pattern) => subjectMatches(pattern, subject));
}

export function mayPublish(permissions: Permissions, subject: string): boolean {
  return permits(permissions.publish, subject);
}

export function maySubscribe(permissions: Permissions, subject: string): boolean {
  return permits(permissions.subscribe, subject);
}
