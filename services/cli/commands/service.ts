import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { serviceRestartCommand } from './service-restart.js';

export const serviceCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'service <command>',
  describe: 'Operators: steer one service VM',
  builder: (yargs) => yargs.command(serviceRestartCommand).demandCommand(1),
  handler: () => undefined,
};
