import type { CommandModule } from 'yargs';
import { XoarError } from '../../../shared/errors/xoar-error.js';
import { Direction, Effect, explainPermissions, noLiveState, type PrincipalRules } from '../../../shared/policy/compile-permissions.js';
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
      const explained = explainPermissions(policy, { ...noLiveState, retired: new Set(argv.retired) });
      const rules = explained.get(argv.principal);
      if (rules === undefined) throw new UnknownPrincipalError(argv.principal, [...explained.keys()]);
      printResult(argv, { principal: argv.principal, ...rules }, () => explainText(argv.principal, policy.host.name, rules));
    }),
};

/** The rules by direction, allows before denies, each subject in one column beside its reason. */
function explainText(principal: string, host: string, { rules, allowResponses }: PrincipalRules): string {
  const replies = 'to the requests it receives';
  const width = Math.max(...(allowResponses === undefined ? [] : [replies.length]), ...rules.map((rule) => rule.subject.length));
  const line = (effect: string, subject: string, because: string) => `    ${effect.padEnd(5)} ${subject.padEnd(width)}  ${because}`;
  const section = (direction: Direction) => {
    const listed = [Effect.allow, Effect.deny].flatMap((effect) => rules.filter((rule) => rule.direction === direction && rule.effect === effect));
    return listed.length === 0 ? [] : [`  ${direction}`, ...listed.map((rule) => line(rule.effect, rule.subject, rule.because))];
  };
  return [
    `${principal} at the broker of host "${host}":`,
    ...section(Direction.publish),
    ...section(Direction.subscribe),
    ...(allowResponses === undefined ? [] : ['  reply', line(Effect.allow, replies, allowResponses.because)]),
  ].join('\n');
}
