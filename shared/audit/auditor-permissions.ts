import { auditStreamName, subjects } from '../bus/subjects.js';
import { Direction, Effect, type PrincipalRules } from '../policy/compile-permissions.js';

/**
 * The auditor reads a host's audit stream and nothing else: stream info, single messages,
 * and ephemeral ordered consumers on that stream. It may not publish to the audit subjects
 * nor delete, purge or change the stream (those JetStream APIs are simply not granted).
 */
export function auditorRules(host: string): PrincipalRules {
  const stream = auditStreamName(host);
  const reads = 'the auditor reads the audit stream through JetStream';
  const api = (operation: string) => ({ direction: Direction.publish, effect: Effect.allow, subject: `$JS.API.${operation}`, because: reads });
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
      { direction: Direction.subscribe, effect: Effect.allow, subject: subjects.inboxAll('auditor'), because: 'the auditor reads replies and consumer deliveries in its own inbox' },
      { direction: Direction.publish, effect: Effect.deny, subject: subjects.auditAll(host), because: 'only the supervisor writes the audit log' },
    ],
  };
}
