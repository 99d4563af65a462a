import type { CommandModule } from 'yargs';
import { readAudit } from '../../../shared/audit/read-audit.js';
import { verifyChain } from '../../../shared/audit/verify-chain.js';
import { ExitCode } from '../exit-code.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { type AuditOptions, withAuditOptions, withAuditor } from './audit-reader.js';
import { chainReportText } from './audit-render.js';

export const auditVerifyCommand: CommandModule<GlobalOptions, AuditOptions> = {
  command: 'verify',
  describe: 'Check the hash chain of the audit log and name the first record that was edited, removed, reordered or inserted (exit 1 if any)',
  builder: (yargs) => withAuditOptions(yargs),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { host, report } = await withAuditor(argv, async (nc, host) => ({ host, report: verifyChain(await readAudit(nc, host, { keepUnreadable: true })) }));
      printResult(argv, { host, ...report }, () => chainReportText(host, report));
      if (!report.ok) process.exitCode = ExitCode.failure;
    }),
};
