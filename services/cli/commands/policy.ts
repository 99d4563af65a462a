import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { policyApplyCommand } from './policy-apply.js';
import { policyDiffCommand } from './policy-diff.js';
import { policyExplainCommand } from './policy-explain.js';
import { policyValidateCommand } from './policy-validate.js';

export const policyCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'policy <command>',
  describe: 'Policy authors: validate a policy, explain what it grants',
  builder: (yargs) => yargs.command(policyValidateCommand).command(policyExplainCommand).command(policyDiffCommand).command(policyApplyCommand).demandCommand(1),
  handler: () => undefined,
};
