import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { policyExplainCommand } from './policy-explain.js';
import { policyValidateCommand } from './policy-validate.js';

export const policyCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'policy <command>',
  describe: 'Policy authors: validate a policy, explain what it grants',
  builder: (yargs) => yargs.command(policyValidateCommand).command(policyExplainCommand).demandCommand(1),
  handler: () => undefined,
};
