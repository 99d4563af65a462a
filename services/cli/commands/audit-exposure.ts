import type { CommandModule } from 'yargs';
import { exposure } from '../../../shared/audit/exposure.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { type AuditOptions, parseTime, readIndex, withAuditOptions, withAuditor, withIndexOption } from './audit-reader.js';
import { exposureText } from './audit-render.js';

type Options = AuditOptions & { component: string; since: string; until: string | undefined; index: string | undefined };

export const auditExposureCommand: CommandModule<GlobalOptions, Options> = {
  command: 'exposure',
  describe: 'If a component was compromised from a time on: which components and guests were exposed, when, and why',
  builder: (yargs) =>
    withIndexOption(withAuditOptions(yargs))
      .option('component', { type: 'string', demandOption: true, describe: 'the service VM (or principal) taken as compromised' })
      .option('since', { type: 'string', demandOption: true, describe: 'when it was compromised (ISO 8601)' })
      .option('until', { type: 'string', describe: 'ask up to this time (default: now)' }),

  handler: (argv) =>
    runCommand(argv, async () => {
      const question = {
        component: argv.component,
        since: parseTime('since', argv.since),
        ...(argv.until === undefined ? {} : { until: parseTime('until', argv.until) }),
        now: new Date(),
      };
      const index = await withAuditor(argv, (nc, host) => readIndex(argv, nc, host));
      const answer = exposure(index, question);
      printResult(argv, answer, () => exposureText(answer));
    }),
};
