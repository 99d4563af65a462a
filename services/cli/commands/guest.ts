import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { guestCreateCommand } from './guest-create.js';
import { guestDestroyCommand } from './guest-destroy.js';
import { guestListCommand } from './guest-list.js';
import { guestShowCommand } from './guest-show.js';

export const guestCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'guest <command>',
  describe: 'Operators: create, destroy and look at guests, through their toolstacks',
  builder: (yargs) => yargs.command(guestCreateCommand).command(guestDestroyCommand).command(guestListCommand).command(guestShowCommand).demandCommand(1),
  handler: () => undefined,
};
