import type { CommandModule } from 'yargs';
import { ControlOp } from '../../../shared/bus/subjects.js';
import type { ServiceStatus } from '../../supervisor/host-status.js';
import type { GlobalOptions } from '../global-options.js';
import { withOperator } from '../operator-client.js';
import { printResult, runCommand } from '../output.js';

type Options = GlobalOptions & { id: string };

export const serviceSnapshotCommand: CommandModule<GlobalOptions, Options> = {
  command: 'snapshot <id>',
  describe: "Retake a service VM's clean snapshot from its running instance (after an upgrade); standbys are restored from the new one",
  builder: (yargs) => yargs.positional('id', { type: 'string', demandOption: true, describe: 'the service VM id, as in `xoar host status`' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const service = await withOperator(argv, (operator) => operator.control<ServiceStatus>(ControlOp.serviceSnapshot, { id: argv.id }, 30_000));
      printResult(argv, service, () => `${service.id} snapshot retaken from instance ${service.instance}: ${service.snapshot?.digest.slice(0, 16) ?? '?'}…`);
    }),
};
