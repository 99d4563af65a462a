import type { CommandModule } from 'yargs';
import { type TimelineEntry, TimelineEvent, guestTimeline } from '../../../shared/audit/guest-timeline.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { type AuditOptions, readIndex, withAuditOptions, withAuditor, withIndexOption } from './audit-reader.js';

type Options = AuditOptions & { guest: string; index: string | undefined };

export const auditTimelineCommand: CommandModule<GlobalOptions, Options> = {
  command: 'timeline',
  describe: 'A guest over time: the service VMs it relied on, and each rollback of theirs while it did',
  builder: (yargs) =>
    withIndexOption(withAuditOptions(yargs))
      .option('guest', { type: 'string', demandOption: true, describe: 'the guest' }),

  handler: (argv) =>
    runCommand(argv, async () => {
      const index = await withAuditor(argv, (nc, host) => readIndex(argv, nc, host));
      const timeline = guestTimeline(index, argv.guest);
      printResult(argv, { guest: argv.guest, timeline }, () =>
        timeline.length === 0 ? `the audit log has no dependency of guest "${argv.guest}"` : timeline.map((entry) => `${entry.at}  ${sentence(argv.guest, entry)}`).join('\n'),
      );
    }),
};

function sentence(guest: string, { event, service, via, how }: TimelineEntry): string {
  if (via === 'builder') return event === TimelineEvent.start ? `${guest} built by ${service}` : `${guest} destroyed (built by ${service})`;
  if (event === TimelineEvent.start) return `${guest} relies on ${service} (${via})`;
  if (event === TimelineEvent.stop) return `${guest} stops relying on ${service} (${via})`;
  return `${service} ${how ?? 'ended'} while ${guest} relied on it`;
}
