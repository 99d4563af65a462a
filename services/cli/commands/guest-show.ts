import type { CommandModule } from 'yargs';
import type { GuestStatus } from '../../supervisor/host-status.js';
import type { GlobalOptions } from '../global-options.js';
import { withOperator } from '../operator-client.js';
import { printResult, runCommand } from '../output.js';
import { guestTarget } from './guest-target.js';

type Options = GlobalOptions & { guest: string };

export const guestShowCommand: CommandModule<GlobalOptions, Options> = {
  command: 'show <guest>',
  describe: "One guest: its domain, process, devices, and its workload's counters",
  builder: (yargs) => yargs.positional('guest', { type: 'string', demandOption: true, describe: 'the guest id' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { status } = await withOperator(argv, (operator) => guestTarget(operator, argv.guest));
      printResult(argv, status, () => describeGuest(status));
    }),
};

function describeGuest(guest: GuestStatus): string {
  const { block, net } = guest.workload ?? {};
  return [
    `guest ${guest.id} (tenant ${guest.tenant}): ${guest.state}${guest.domid === null ? '' : `, domain ${guest.domid}`}${guest.pid === null ? '' : `, pid ${guest.pid}`}`,
    `  toolstack ${guest.toolstack ?? '-'}, built by ${guest.builtBy ?? '-'}${guest.createdAt === null ? '' : ` at ${guest.createdAt}`}`,
    ...guest.devices.map((device) => `  ${device.kind}/${device.devid}: ${device.connected ? 'connected' : 'disconnected'}`),
    ...(block === undefined ? [] : [`  block load: ${block.writesAcked} writes acknowledged, ${block.readsVerified} reads verified, ${block.verificationFailures} failures, ${block.retries} retries`]),
    ...(net === undefined ? [] : [`  net load: ${net.sent} sent, ${net.answered} answered, ${net.lost} lost, ${net.served} served`]),
    ...(guest.crash === null ? [] : [`  crashed: ${guest.crash.cause}`]),
  ].join('\n');
}
