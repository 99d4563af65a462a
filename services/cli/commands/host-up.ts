import type { CommandModule } from 'yargs';
import type { Supervisor } from '../../supervisor/supervisor.js';
import type { Transition } from '../../supervisor/service-registry.js';
import type { GlobalOptions } from '../global-options.js';
import { runCommand } from '../output.js';
import { renderStatus } from '../render-status.js';
import { type SupervisorCliOptions, startSupervisor, withSupervisorOptions } from '../supervisor-options.js';

type Options = GlobalOptions & SupervisorCliOptions;

const REDRAW_MS = 500;
const RECENT_EVENTS = 8;

export const hostUpCommand: CommandModule<GlobalOptions, Options> = {
  command: 'up',
  describe: 'Boot a host from its policy and supervise it in the foreground (Ctrl-C stops everything)',
  builder: (yargs) => withSupervisorOptions(yargs),
  handler: (argv) =>
    runCommand(argv, async () => {
      const supervisor = await startSupervisor(argv);
      const stop = () => void supervisor.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // Whoever read our output went away (e.g. `| head`): stop cleanly rather than die on EPIPE.
      process.stdout.on('error', stop);
      const view = argv.json ? jsonLines(supervisor) : process.stdout.isTTY ? liveView(supervisor) : plainLines(supervisor);
      try {
        await supervisor.booted;
      } finally {
        await supervisor.stopped.then(view.close, view.close);
      }
      await supervisor.stopped;
    }),
};

interface View {
  close: () => void;
}

/** A status table redrawn in place, with the latest transitions under it. */
function liveView(supervisor: Supervisor): View {
  const recent: string[] = [];
  supervisor.onTransition((t) => {
    recent.push(describe(t));
    recent.splice(0, Math.max(0, recent.length - RECENT_EVENTS));
  });
  const draw = (footer: string) => process.stdout.write(`\x1b[H\x1b[2J${renderStatus(supervisor.status())}\n\nrecent:\n${recent.map((line) => `  ${line}`).join('\n')}\n\n${footer}\n`);
  const timer = setInterval(() => draw('Ctrl-C stops the host.'), REDRAW_MS);
  return {
    close: () => {
      clearInterval(timer);
      draw(`host ${supervisor.policy.host.name} stopped.`);
    },
  };
}

function plainLines(supervisor: Supervisor): View {
  supervisor.onTransition((t) => process.stdout.write(`${describe(t)}\n`));
  void supervisor.booted.then(() => process.stdout.write(`${renderStatus(supervisor.status())}\n`), () => undefined);
  return { close: () => process.stdout.write(`host ${supervisor.policy.host.name} stopped\n`) };
}

function jsonLines(supervisor: Supervisor): View {
  const emit = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  supervisor.onTransition((t) => emit({ event: 'transition', at: new Date().toISOString(), service: t.id, from: t.from, to: t.to, instance: t.context.instance, pid: t.context.handle?.pid ?? null }));
  void supervisor.booted.then(() => emit({ event: 'booted', status: supervisor.status() }), () => undefined);
  return { close: () => emit({ event: 'stopped', host: supervisor.policy.host.name }) };
}

function describe(t: Transition): string {
  const pid = t.context.handle?.pid;
  return `${new Date().toISOString().slice(11, 23)}  ${t.id.padEnd(12)} ${t.from} → ${t.to}  (instance ${t.context.instance}${pid ? `, pid ${pid}` : ''})`;
}
