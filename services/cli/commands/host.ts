import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { hostDownCommand } from './host-down.js';
import { hostStatusCommand } from './host-status.js';
import { hostUpCommand } from './host-up.js';

export const hostCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'host <command>',
  describe: 'Operators: boot, watch and stop a host',
  builder: (yargs) => yargs.command(hostUpCommand).command(hostStatusCommand).command(hostDownCommand).demandCommand(1),
  handler: () => undefined,
};
