import type { CommandModule } from 'yargs';
import { ControlOp } from '../../../shared/bus/subjects.js';
import type { HostStatus } from '../../supervisor/host-status.js';
import type { GlobalOptions } from '../global-options.js';
import { withOperator } from '../operator-client.js';
import { printResult, runCommand } from '../output.js';
import { renderStatus } from '../render-status.js';

export const hostStatusCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'status',
  describe: 'Show every service VM of a running host: state, pid, restarts, uptime, last rollback',
  handler: (argv) =>
    runCommand(argv, async () => {
      const status = await withOperator(argv, (operator) => operator.control<HostStatus>(ControlOp.status));
      printResult(argv, status, () => renderStatus(status));
    }),
};
