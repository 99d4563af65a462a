import type { CommandModule } from 'yargs';
import { exposure } from '../../../shared/audit/exposure.js';
import { loadCheckpointedIndex } from '../../../shared/audit/index-checkpoint.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { type AuditOptions, auditIndexFile, parseTime, withAuditOptions, withAuditor } from './audit-reader.js';
import { exposureText } from './audit-render.js';

type Options = AuditOptions & { component: string; since: string; until: string | undefined; index: string | undefined };

export const auditExposureCommand: CommandModule<GlobalOptions, Options> = {
  command: 'exposure',
  describe: 'If a component was compromised from a time on: which components and guests were exposed, when, and why',
  builder: (yargs) =>
    withAuditOptions(yargs)
      .option('component', { type: 'string', demandOption: true, describe: 'the service VM (or principal) taken as compromised' })
      .option('since', { type: 'string', demandOption: true, describe: 'when it was compromised (ISO 8601)' })
      .option('until', { type: 'string', describe: 'ask up to this time (default: now)' })
      .option('index', { type: 'string', describe: "the index checkpoint file (default: the host's audit-index.json)" }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const question = {
        component: argv.component,
        since: parseTime('since', argv.since),
        ...(argv.until === undefined ? {} : { until: parseTime('until', argv.until) }),
        now: new Date(),
      };
      const index = await withAuditor(argv, async (nc, host) => (await loadCheckpointedIndex(nc, host, argv.index ?? auditIndexFile(argv.stateDir, host))).index);
      const answer = exposure(index, question);
      printResult(argv, answer, () => exposureText(answer));
    }),
};
