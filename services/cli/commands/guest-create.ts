import type { CommandModule } from 'yargs';
import { WORKLOAD_BLOCK_BYTES, type GuestWorkload } from '../../../shared/guest/guest-config.js';
import { type BuiltGuest, ToolstackOp } from '../../../shared/guest/guest-ops.js';
import type { GlobalOptions } from '../global-options.js';
import { withOperator } from '../operator-client.js';
import { printResult, runCommand } from '../output.js';
import { guestTarget } from './guest-target.js';

type Options = GlobalOptions & { guest: string; 'block-load': string | undefined; ping: string | undefined };

const LOAD_REGION_BLOCKS = 256;
const LOAD_CONCURRENCY = 4;
const PING_INTERVAL_MS = 100;

export const guestCreateCommand: CommandModule<GlobalOptions, Options> = {
  command: 'create <guest>',
  describe: 'Create a guest of the policy through its toolstack: the builder makes its domain, wires its disks and vifs, and starts it',
  builder: (yargs) =>
    yargs
      .positional('guest', { type: 'string', demandOption: true, describe: 'the guest id, as in the policy' })
      .option('block-load', { type: 'string', describe: `run a verified block load on this disk (e.g. xvda): ${LOAD_REGION_BLOCKS} blocks of ${WORKLOAD_BLOCK_BYTES / 1024} KiB, ${LOAD_CONCURRENCY} in flight` })
      .option('ping', { type: 'string', describe: `send a request frame every ${PING_INTERVAL_MS} ms to this MAC address from the first vif, expecting an answer` }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const workload: GuestWorkload = {
        ...(argv['block-load'] === undefined ? {} : { block: { vdev: argv['block-load'], regionBlocks: LOAD_REGION_BLOCKS, concurrency: LOAD_CONCURRENCY } }),
        ...(argv.ping === undefined ? {} : { net: { peerMac: argv.ping, intervalMs: PING_INTERVAL_MS } }),
      };
      const built = await withOperator(argv, async (operator) => {
        const { toolstack, timeoutMs } = await guestTarget(operator, argv.guest);
        return operator.manageGuest<BuiltGuest>(toolstack, argv.guest, ToolstackOp.create, { workload: Object.keys(workload).length === 0 ? null : workload }, timeoutMs + 5_000);
      });
      printResult(argv, built, () => `guest ${built.guest} created: domain ${built.domid}`);
    }),
};
