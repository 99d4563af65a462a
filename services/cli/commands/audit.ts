import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { auditExposureCommand } from './audit-exposure.js';
import { auditQueryCommand } from './audit-query.js';
import { auditTailCommand } from './audit-tail.js';
import { auditTimelineCommand } from './audit-timeline.js';
import { auditVerifyCommand } from './audit-verify.js';

export const auditCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'audit <command>',
  describe: "Auditors: check the audit log and ask who was exposed (read-only, with the auditor's credentials)",
  builder: (yargs) =>
    yargs.command(auditVerifyCommand).command(auditExposureCommand).command(auditTailCommand).command(auditQueryCommand).command(auditTimelineCommand).demandCommand(1),
  handler: () => undefined,
};
