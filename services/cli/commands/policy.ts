import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { policyApplyCommand } from './policy-apply.js';
import { policyDiffCommand } from './policy-diff.js';
import { policyExplainCommand } from './policy-explain.js';
import { policyValidateCommand } from './policy-validate.js';
import { policyXenConfigsCommand } from './policy-xen-configs.js';

export const policyCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'policy <command>',
  describe: 'Policy authors: validate a policy, explain what it grants, compare and apply; write its Xen domain configs',
  builder: (yargs) => yargs.command(policyValidateCommand).command(policyExplainCommand).command(policyDiffCommand).command(policyApplyCommand).command(policyXenConfigsCommand).demandCommand(1),
  handler: () => undefined,
};
