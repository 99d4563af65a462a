import type { CommandModule } from 'yargs';
import { type TimelineEntry, TimelineEvent, guestTimeline } from '../../../shared/audit/guest-timeline.js';
import { loadCheckpointedIndex } from '../../../shared/audit/index-checkpoint.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { type AuditOptions, auditIndexFile, withAuditOptions, withAuditor } from './audit-reader.js';

type Options = AuditOptions & { guest: string; index: string | undefined };

export const auditTimelineCommand: CommandModule<GlobalOptions, Options> = {
  command: 'timeline',
  describe: 'A guest over time: the service VMs it relied on, and each rollback of theirs while it did',
  builder: (yargs) =>
    withAuditOptions(yargs)
      .option('guest', { type: 'string', demandOption: true, describe: 'the guest' })
      .option('index', { type: 'string', describe: "the index checkpoint file (default: the host's audit-index.json)" }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const index = await withAuditor(argv, async (nc, host) => (await loadCheckpointedIndex(nc, host, argv.index ?? auditIndexFile(argv.stateDir, host))).index);
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
