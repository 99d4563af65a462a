import { spawnSync } from 'node:child_process';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'];
let setpriv: string | null | undefined;

/**
 * The command line that runs `command args` so that the kernel kills it when its parent dies
 * (`setpriv --pdeathsig KILL`, which execs: the pid stays the same). Without setpriv, unchanged.
 */
export function dieWithParent(command: string, args: string[]): { command: string; args: string[] } {
  setpriv ??= SETPRIV.find((path) => spawnSync(path, ['--version'], { stdio: 'ignore' }).status === 0) ?? null;
  return setpriv === null ? { command, args } : { command: setpriv, args: ['--pdeathsig', 'KILL', '--', command, ...args] };
}
