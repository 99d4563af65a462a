import type { CommandModule } from 'yargs';
import { loadPolicy } from '../../../shared/policy/load-policy.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';

type Options = GlobalOptions & { file: string };

export const policyValidateCommand: CommandModule<GlobalOptions, Options> = {
  command: 'validate <file>',
  describe: 'Check a host policy (structure, then meaning); every problem is listed with file, line and JSON pointer',
  builder: (yargs) => yargs.positional('file', { type: 'string', demandOption: true, describe: 'the policy (JSON or YAML)' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const policy = await loadPolicy(argv.file);
      const services = policy.services.map(({ id, role }) => ({ id, role }));
      printResult(argv, { ok: true, file: policy.source, host: policy.host.name, services }, () =>
        [`${policy.source}: valid — host "${policy.host.name}", ${services.length} service VMs`, ...services.map((s) => `  ${s.id.padEnd(14)} ${s.role}`)].join('\n'),
      );
    }),
};
