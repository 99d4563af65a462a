import type { CommandModule } from 'yargs';
import { loadPolicy } from '../../../shared/policy/load-policy.js';
import { diffPolicies } from '../../../shared/policy/policy-diff.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { policyDiffText } from './policy-diff-text.js';

type Options = GlobalOptions & { old: string; new: string };

export const policyDiffCommand: CommandModule<GlobalOptions, Options> = {
  command: 'diff <old> <new>',
  describe: 'Show what changes from one policy to another: settings, sharing, privileges, broker permissions, and what needs a host restart (exit 0 either way)',
  builder: (yargs) =>
    yargs
      .positional('old', { type: 'string', demandOption: true, describe: 'the policy now (JSON or YAML)' })
      .positional('new', { type: 'string', demandOption: true, describe: 'the policy to compare it with' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const old = await loadPolicy(argv.old);
      const next = await loadPolicy(argv.new);
      const diff = diffPolicies(old, next);
      printResult(argv, diff, () => policyDiffText(diff));
    }),
};
