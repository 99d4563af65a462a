import { jetstreamManager } from '@nats-io/jetstream';
import type { CommandModule } from 'yargs';
import { auditRecords } from '../../../shared/audit/read-audit.js';
import { auditStreamName } from '../../../shared/bus/subjects.js';
import type { GlobalOptions } from '../global-options.js';
import { runCommand } from '../output.js';
import { type AuditOptions, withAuditOptions, withAuditor } from './audit-reader.js';
import { recordLine } from './audit-render.js';

type Options = AuditOptions & { lines: number; follow: boolean };

export const auditTailCommand: CommandModule<GlobalOptions, Options> = {
  command: 'tail',
  describe: 'The last records of the audit log (with --json, one JSON object a line); --follow keeps printing new ones until Ctrl-C',
  builder: (yargs) =>
    withAuditOptions(yargs)
      .option('lines', { alias: 'n', type: 'number', default: 20, describe: 'how many of the last records' })
      .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'then wait for new records' }),
  handler: (argv) =>
    runCommand(argv, () =>
      withAuditor(argv, async (nc, host) => {
        const { state } = await (await jetstreamManager(nc)).streams.info(auditStreamName(host));
        const fromSeq = Math.max(state.first_seq, state.last_seq - argv.lines + 1, 1);
        const stop = () => void nc.close();
        process.once('SIGINT', stop);
        try {
          for await (const record of auditRecords(nc, host, { fromSeq, follow: argv.follow, keepUnreadable: true })) {
            process.stdout.write(`${argv.json ? JSON.stringify(record) : recordLine(record)}\n`);
          }
        } catch (error) {
          if (!nc.isClosed()) throw error;
        } finally {
          process.off('SIGINT', stop);
        }
      }),
    ),
};
