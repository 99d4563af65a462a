import type { CommandModule } from 'yargs';
import { ToolstackOp } from '../../../shared/guest/guest-ops.js';
import type { GlobalOptions } from '../global-options.js';
import { withOperator } from '../operator-client.js';
import { printResult, runCommand } from '../output.js';
import { guestTarget } from './guest-target.js';

type Options = GlobalOptions & { guest: string };


export const guestDestroyCommand: CommandModule<GlobalOptions, Options> = {
  command: 'destroy <guest>',
  describe: 'Destroy a guest through its toolstack: its process ends, its grants are revoked, its XenStore entries go',
  builder: (yargs) => yargs.positional('guest', { type: 'string', demandOption: true, describe: 'the guest id' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const destroyed = await withOperator(argv, async (operator) => {
        const { toolstack, timeoutMs } = await guestTarget(operator, argv.guest);
        return operator.manageGuest<{ guest: string; destroyed: true }>(toolstack, argv.guest, ToolstackOp.destroy, null, timeoutMs + 5_000);
      });
      printResult(argv, destroyed, () => `guest ${destroyed.guest} destroyed`);
    }),
};
