import type { CommandModule } from 'yargs';
import { AuditKind, type AuditRecord } from '../../../shared/audit/audit-record.js';
import { readAudit } from '../../../shared/audit/read-audit.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { type AuditOptions, parseTime, withAuditOptions, withAuditor } from './audit-reader.js';
import { recordLine } from './audit-render.js';

type Options = AuditOptions & { component: string | undefined; guest: string | undefined; kind: AuditKind[] | undefined; since: string | undefined; until: string | undefined };

export const auditQueryCommand: CommandModule<GlobalOptions, Options> = {
  command: 'query',
  describe: 'The audit records that match every filter given, in log order',
  builder: (yargs) =>
    withAuditOptions(yargs)
      .option('component', { type: 'string', describe: 'records about this principal' })
      .option('guest', { type: 'string', describe: 'records about this guest, or naming it in their data' })
      .option('kind', { type: 'array', string: true, choices: Object.values(AuditKind), describe: 'only these kinds' })
      .option('since', { type: 'string', describe: 'records at or after this time (ISO 8601)' })
      .option('until', { type: 'string', describe: 'records before this time (ISO 8601)' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const since = argv.since === undefined ? -Infinity : parseTime('since', argv.since).getTime();
      const until = argv.until === undefined ? Infinity : parseTime('until', argv.until).getTime();
      const matches = (record: AuditRecord) => {
        const at = Date.parse(record.at);
        return (
          at >= since &&
          at < until &&
          (argv.component === undefined || record.component === argv.component) &&
          (argv.guest === undefined || record.component === argv.guest || record.data['guest'] === argv.guest)
        );
      };
      const records = await withAuditor(argv, async (nc, host) => (await readAudit(nc, host, argv.kind === undefined ? {} : { kinds: argv.kind })).filter(matches));
      printResult(argv, records, () => (records.length === 0 ? 'no record matches' : records.map(recordLine).join('\n')));
    }),
};
