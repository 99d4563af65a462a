import type { CommandModule } from 'yargs';
import { ControlOp } from '../../../shared/bus/subjects.js';
import type { GlobalOptions } from '../global-options.js';
import { withOperator } from '../operator-client.js';
import { printResult, runCommand } from '../output.js';

const STOP_TIMEOUT_MS = 30_000;

export const hostDownCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'down',
  describe: 'Stop a running host: every service VM, then its broker; no process is left behind',
  handler: (argv) =>
    runCommand(argv, async () => {
      const result = await withOperator(argv, (operator) => operator.control<{ host: string; stopped: string[] }>(ControlOp.hostDown, null, STOP_TIMEOUT_MS));
      printResult(argv, result, () => `host ${result.host} stopped (${result.stopped.length} service VMs)`);
    }),
};
