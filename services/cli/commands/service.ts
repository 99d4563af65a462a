import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.js';
import { serviceRollbackCommand } from './service-rollback.js';
import { serviceSnapshotCommand } from './service-snapshot.js';

export const serviceCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'service <command>',
  describe: 'Operators: steer one service VM',
  builder: (yargs) => yargs.command(serviceRollbackCommand).command(serviceSnapshotCommand).demandCommand(1),
  handler: () => undefined,
};
