import type { CommandModule } from 'yargs';
import { ControlOp } from '../../../shared/bus/subjects.js';
import type { GuestStatus, HostStatus } from '../../supervisor/host-status.js';
import type { GlobalOptions } from '../global-options.js';
import { withOperator } from '../operator-client.js';
import { printResult, runCommand } from '../output.js';
import { renderTable } from '../render-table.js';

const COLUMNS: Array<{ title: string; cell: (guest: GuestStatus) => string }> = [
  { title: 'GUEST', cell: (g) => g.id },
  { title: 'TENANT', cell: (g) => g.tenant },
  { title: 'STATE', cell: (g) => g.state },
  { title: 'DOMID', cell: (g) => (g.domid === null ? '-' : String(g.domid)) },
  { title: 'PID', cell: (g) => (g.pid === null ? '-' : String(g.pid)) },
  { title: 'TOOLSTACK', cell: (g) => g.toolstack ?? '-' },
  { title: 'DEVICES', cell: (g) => g.devices.map((d) => `${d.kind}/${d.devid}${d.connected ? '' : ' (down)'}`).join(' ') || '-' },
];

export const guestListCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'list',
  describe: "List the policy's guests: state, domain, process, toolstack and devices",
  handler: (argv) =>
    runCommand(argv, async () => {
      const status = await withOperator(argv, (operator) => operator.control<HostStatus>(ControlOp.status));
      printResult(argv, status.guests, () => renderTable(COLUMNS, status.guests));
    }),
};
