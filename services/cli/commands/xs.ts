import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { xsLsCommand } from './xs-ls.js';
import { xsReadCommand } from './xs-read.js';
import { xsRmCommand } from './xs-rm.js';
import { xsWatchCommand } from './xs-watch.js';
import { xsWriteCommand } from './xs-write.js';

export const xsCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'xs <command>',
  describe: "Operators: read and change the host's XenStore (as dom0, through its socket)",
  builder: (yargs) => yargs.command(xsReadCommand).command(xsWriteCommand).command(xsLsCommand).command(xsRmCommand).command(xsWatchCommand).demandCommand(1),
  handler: () => undefined,
};
