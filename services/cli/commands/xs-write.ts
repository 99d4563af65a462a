import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { withXenstore } from '../xenstore-session.js';

type Options = GlobalOptions & { path: string; value: string };

export const xsWriteCommand: CommandModule<GlobalOptions, Options> = {
  command: 'write <path> <value>',
  describe: "Set a node's value, creating it and its missing parents",
  builder: (yargs) =>
    yargs
      .positional('path', { type: 'string', demandOption: true, describe: 'absolute XenStore path' })
      .positional('value', { type: 'string', demandOption: true, describe: 'the new value (text)' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      await withXenstore(argv, (xs) => xs.write(argv.path, argv.value));
      printResult(argv, { path: argv.path, value: argv.value, written: true }, () => `${argv.path} = "${argv.value}"`);
    }),
};
