import type { CommandModule } from 'yargs';
import { XoarError } from '../../../shared/errors/xoar-error.js';
import { explainPermissions } from '../../../shared/policy/compile-permissions.js';
import { loadPolicy } from '../../../shared/policy/load-policy.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';

type Options = GlobalOptions & { file: string; principal: string; retired: string[] };

export class UnknownPrincipalError extends XoarError {
  constructor(principal: string, known: string[]) {
    super('unknown-principal', `the policy has no principal "${principal}"`, { hint: `principals: ${known.join(', ')}` });
  }
}

export const policyExplainCommand: CommandModule<GlobalOptions, Options> = {
  command: 'explain <file>',
  describe: 'Show what one principal may publish and subscribe to at the broker, and the rule behind each subject',
  builder: (yargs) =>
    yargs
      .positional('file', { type: 'string', demandOption: true, describe: 'the policy (JSON or YAML)' })
      .option('principal', { type: 'string', demandOption: true, describe: 'a service id, or supervisor / operator' })
      .option('retired', { type: 'array', string: true, default: [], describe: 'service ids to treat as retired (as after boot)' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const policy = await loadPolicy(argv.file);
      const explained = explainPermissions(policy, { retired: new Set(argv.retired), grants: [] });
      const rules = explained.get(argv.principal);
      if (rules === undefined) throw new UnknownPrincipalError(argv.principal, [...explained.keys()]);
      printResult(argv, { principal: argv.principal, ...rules }, () =>
        [
          `${argv.principal} at the broker of host "${policy.host.name}":`,
          ...rules.rules.map((rule) => `  ${rule.effect.padEnd(5)} ${rule.direction.padEnd(9)} ${rule.subject.padEnd(40)} ${rule.because}`),
          ...(rules.allowResponses ? [`  allow     replies to requests it receives: ${rules.allowResponses.because}`] : []),
        ].join('\n'),
      );
    }),
};
