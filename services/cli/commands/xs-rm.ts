import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { withXenstore } from '../xenstore-session.js';

type Options = GlobalOptions & { path: string };

export const xsRmCommand: CommandModule<GlobalOptions, Options> = {
  command: 'rm <path>',
  describe: 'Remove a node and everything below it',
  builder: (yargs) => yargs.positional('path', { type: 'string', demandOption: true, describe: 'absolute XenStore path' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      await withXenstore(argv, (xs) => xs.remove(argv.path));
      printResult(argv, { path: argv.path, removed: true }, () => `removed ${argv.path}`);
    }),
};
