import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { withXenstore } from '../xenstore-session.js';

type Options = GlobalOptions & { path: string };

export const xsReadCommand: CommandModule<GlobalOptions, Options> = {
  command: 'read <path>',
  describe: "Print a node's value",
  builder: (yargs) => yargs.positional('path', { type: 'string', demandOption: true, describe: 'absolute XenStore path, e.g. /local/domain/0/name' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const value = await withXenstore(argv, (xs) => xs.read(argv.path));
      printResult(argv, { path: argv.path, value }, () => value);
    }),
};
