#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { auditCommand } from './commands/audit.js';
import { demoCommand } from './commands/demo.js';
import { guestCommand } from './commands/guest.js';
import { hostCommand } from './commands/host.js';
import { policyCommand } from './commands/policy.js';
import { serviceCommand } from './commands/service.js';
import { xsCommand } from './commands/xs.js';
import { ExitCode } from './exit-code.js';
import { withGlobalOptions } from './global-options.js';

await withGlobalOptions(yargs(hideBin(process.argv)))
  .scriptName('xoar')
  .usage('$0 <group> <command> [options]\n\nA disaggregated Xen control plane: dom0 as small, least-privileged service VMs.')
  .command(hostCommand)
  .command(serviceCommand)
  .command(guestCommand)
  .command(policyCommand)
  .command(auditCommand)
  .command(xsCommand)
  .command(demoCommand)
  .demandCommand(1, 'name a command group: host, service, guest, policy, audit, xs, demo')
  .strict()
  .fail((message, error, cli) => {
    if (error) throw error;
    cli.showHelp();
    process.stderr.write(`\nxoar: ${message}\n`);
    process.exit(ExitCode.usage);
  })
  .help()
  .parseAsync();
