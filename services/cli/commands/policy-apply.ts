import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { ControlOp } from '../../../shared/bus/subjects.js';
import { describeGrant } from '../../../shared/policy/live-grants.js';
import { loadPolicy } from '../../../shared/policy/load-policy.js';
import type { PolicyApplied } from '../../supervisor/host-status.js';
import type { GlobalOptions } from '../global-options.js';
import { withOperator } from '../operator-client.js';
import { printResult, runCommand } from '../output.js';

type Options = GlobalOptions & { file: string };

const APPLY_TIMEOUT_MS = 30_000;

export const policyApplyCommand: CommandModule<GlobalOptions, Options> = {
  command: 'apply <file>',
  describe: 'Apply a changed policy to the running host without restarting unaffected services (validated first; all or nothing)',
  builder: (yargs) => yargs.positional('file', { type: 'string', demandOption: true, describe: 'the new policy (JSON or YAML) for the same host' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const file = resolve(argv.file);
      await loadPolicy(file);
      const applied = await withOperator(argv, (operator) => operator.control<PolicyApplied>(ControlOp.policyApply, { file }, APPLY_TIMEOUT_MS));
      printResult(argv, applied, () => describeApplied(applied));
    }),
};

function describeApplied(applied: PolicyApplied): string {
  const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));
  return [
    `applied ${applied.policy}`,
    `  broker permissions changed: ${list(applied.permissionsChanged)}`,
    `  runtime grants revoked: ${applied.grantsRevoked.length === 0 ? 'none' : ''}`,
    ...applied.grantsRevoked.map((grant) => `    ${describeGrant(grant)} (${grant.reason})`),
    `  restart schedules started over: ${list(applied.rescheduled)}`,
  ].join('\n');
}
