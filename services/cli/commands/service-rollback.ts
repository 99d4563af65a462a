import type { CommandModule } from 'yargs';
import { ControlOp } from '../../../shared/bus/subjects.js';
import type { ServiceStatus } from '../../supervisor/host-status.js';
import type { GlobalOptions } from '../global-options.js';
import { withOperator } from '../operator-client.js';
import { printResult, runCommand } from '../output.js';

type Options = GlobalOptions & { id: string };

export const serviceRollbackCommand: CommandModule<GlobalOptions, Options> = {
  command: 'rollback <id>',
  aliases: ['restart'],
  describe: 'Roll a service VM back to its clean snapshot now (make before break where its role allows: a warm standby takes over first)',
  builder: (yargs) => yargs.positional('id', { type: 'string', demandOption: true, describe: 'the service VM id, as in `xoar host status`' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const service = await withOperator(argv, (operator) => operator.control<ServiceStatus>(ControlOp.serviceRestart, { id: argv.id }, 30_000));
      printResult(argv, service, () => `${service.id} rolled back (${service.rollback}): instance ${service.instance}, pid ${service.pid ?? '-'}, ${service.lastRollback?.durationMs ?? '?'} ms`);
    }),
};
