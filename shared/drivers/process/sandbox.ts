import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { dieWithParent } from '../../die-with-parent.js';

/**
 * How far a service VM process is confined on this machine, strongest first:
 * - `own-uid` (running as root): its own IPC and UTS namespaces and a uid/gid of its own, so
 *   it can neither signal nor trace another service VM, nor touch the supervisor's files.
 * - `namespaces` (root, but the code is not readable by other users): the namespaces alone.
 * - `user-namespace` (not root): the same namespaces inside an unprivileged user namespace.
 * - `none`: unshare missing or refused.
 * Every level keeps Node's permission model (read-only code, no writes, no child processes)
 * and dies with the supervisor (parent-death signal). Network is never cut: the bus is on
 * loopback, and the broker's permissions are the boundary there.
 */
export const SandboxLevel = { ownUid: 'own-uid', namespaces: 'namespaces', userNamespace: 'user-namespace', none: 'none' } as const;
export type SandboxLevel = (typeof SandboxLevel)[keyof typeof SandboxLevel];

export interface Sandbox {
  level: SandboxLevel;
  /** The command line that runs `command args` confined, as user `uid` where the level allows it. */
  wrap(command: string, args: string[], uid: number): { command: string; args: string[] };
}

const NAMESPACES = ['--ipc', '--uts'];
const UNSHARE = ['/usr/bin/unshare', '/bin/unshare'];
const PROBE_UID = 65534;

let probed: Sandbox | undefined;

/** Probes once what this machine allows; `codeRoot` must be readable by others to run as another uid. */
export function resolveSandbox(codeRoot: string): Sandbox {
  probed ??= probe(codeRoot);
  return probed;
}

function probe(codeRoot: string): Sandbox {
  const unshare = UNSHARE.find(runs);
  const candidates: Array<{ level: SandboxLevel; flags: (uid: number) => string[] }> = [];
  if (unshare !== undefined && process.getuid?.() === 0 && readableByOthers(codeRoot)) {
    candidates.push({ level: SandboxLevel.ownUid, flags: (uid) => [...NAMESPACES, '--setuid', String(uid), '--setgid', String(uid)] });
  }
  if (unshare !== undefined) {
    candidates.push(
      process.getuid?.() === 0
        ? { level: SandboxLevel.namespaces, flags: () => NAMESPACES }
        : { level: SandboxLevel.userNamespace, flags: () => ['--user', '--map-root-user', ...NAMESPACES] },
    );
  }
  for (const { level, flags } of candidates) {
    if (spawnSync(unshare as string, [...flags(PROBE_UID), '/bin/true'], { stdio: 'ignore', env: {} }).status === 0) {
      return {
        level,
        // Parent-death is set after unshare changed the uid: a uid change clears it.
        wrap: (command, args, uid) => {
          const inner = dieWithParent(command, args);
          return { command: unshare as string, args: [...flags(uid), '--', inner.command, ...inner.args] };
        },
      };
    }
  }
  return { level: SandboxLevel.none, wrap: (command, args) => dieWithParent(command, args) };
}

function runs(path: string): boolean {
  return spawnSync(path, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Every folder from `/` down to `dir` lets others in, and `dir` lets them read. */
function readableByOthers(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0 || (current === dir && (mode & 0o004) === 0)) return false;
    if (dirname(current) === current) return true;
  }
}
