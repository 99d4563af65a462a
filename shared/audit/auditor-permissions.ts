import { auditStreamName, subjects } from '../bus/subjects.js';
import type { PermissionRule, PrincipalRules } from '../policy/compile-permissions.js';
import { ReservedPrincipal } from '../policy/principals.js';

/**
 * The auditor reads a host's audit stream and nothing else: stream info, single messages,
 * and ephemeral ordered consumers on that stream. It may not publish to the audit subjects
 * nor delete, purge or change the stream (those JetStream APIs are simply not granted).
 * The policy compiler calls this for the reserved `auditor`; only its types are imported
 * here, so the two modules do not import each other at run time.
 */
export function auditorRules(host: string): PrincipalRules {
  const stream = auditStreamName(host);
  const reads = 'the auditor reads the audit stream through JetStream';
  const api = (operation: string): PermissionRule => ({ direction: 'publish', effect: 'allow', subject: `$JS.API.${operation}`, because: reads });
  return {
    rules: [
      api('INFO'),
      api(`STREAM.INFO.${stream}`),
      api(`STREAM.MSG.GET.${stream}`),
      api(`CONSUMER.CREATE.${stream}`),
      api(`CONSUMER.CREATE.${stream}.>`),
      api(`CONSUMER.INFO.${stream}.*`),
      api(`CONSUMER.MSG.NEXT.${stream}.*`),
      api(`CONSUMER.DELETE.${stream}.*`),
      { direction: 'subscribe', effect: 'allow', subject: subjects.inboxAll(ReservedPrincipal.auditor), because: 'the auditor reads replies and consumer deliveries in its own inbox' },
      { direction: 'publish', effect: 'deny', subject: subjects.auditAll(host), because: 'only the supervisor writes the audit log' },
    ],
  };
}
