import type { CommandModule } from 'yargs';
import { watchEventOf } from '../../../shared/xenstore/xenstore-client.js';
import type { GlobalOptions } from '../global-options.js';
import { runCommand } from '../output.js';
import { withXenstore } from '../xenstore-session.js';

type Options = GlobalOptions & { path: string; count: number | undefined };

const TOKEN = 'xoar-cli';

export const xsWatchCommand: CommandModule<GlobalOptions, Options> = {
  command: 'watch <path>',
  describe: 'Print every change at or below a path as it happens (the first event fires at once); Ctrl-C ends',
  builder: (yargs) =>
    yargs
      .positional('path', { type: 'string', demandOption: true, describe: 'absolute XenStore path, or @introduceDomain / @releaseDomain' })
      .option('count', { type: 'number', describe: 'stop after this many events' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      let seen = 0;
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const onEvent = (event: Parameters<typeof watchEventOf>[0]) => {
        const { path } = watchEventOf(event);
        process.stdout.write(argv.json ? `${JSON.stringify({ path, at: new Date().toISOString() })}\n` : `${path}\n`);
        if (argv.count !== undefined && ++seen >= argv.count) finish();
      };
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
      await withXenstore(
        argv,
        async (xs) => {
          await xs.watch(argv.path, TOKEN);
          await finished;
        },
        onEvent,
      );
    }),
};
