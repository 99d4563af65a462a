import type { Permissions, SubjectRules } from '../broker/authorization.js';

/** Whether a NATS subject pattern (`*` one token, `>` the rest) matches a literal subject. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const patternTokens = pattern.split('.');
  const subjectTokens = subject.split('.');
  for (let i = 0; i < patternTokens.length; i++) {
    const token = patternTokens[i];
    if (token === '>') return subjectTokens.length > i;
    if (i >= subjectTokens.length || (token !== '*' && token !== subjectTokens[i])) return false;
  }
  return patternTokens.length === subjectTokens.length;
}

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
