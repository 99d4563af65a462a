import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { XoarError } from '../../shared/errors/xoar-error.js';
import { isProcessAlive } from '../../shared/process-alive.js';
import type { HostPaths } from './state-dir.js';

/** What a running host publishes for the CLI: how to reach it and who runs it. */
export interface HostRuntime {
  v: 1;
  host: string;
  pid: number;
  natsUrl: string;
  operatorSeedFile: string;
  policy: string;
  startedAt: string;
}

export class HostNotRunningError extends XoarError {
  constructor(host: string, file: string) {
    super('host-not-running', `host "${host}" is not running (no live supervisor behind ${file})`, {
      hint: 'start it with `xoar host up --policy FILE` (or `npm start`), or name another host with --host / --state-dir',
    });
  }
}

export class HostAlreadyRunningError extends XoarError {
  constructor(host: string, pid: number) {
    super('host-already-running', `host "${host}" is already running (supervisor pid ${pid})`, {
      hint: 'stop it first with `xoar host down`, or give this host another name in its policy',
    });
  }
}

export function writeRuntime(paths: HostPaths, runtime: HostRuntime): void {
  writeFileSync(paths.runtimeFile, `${JSON.stringify(runtime, null, 2)}\n`, { mode: 0o600 });
}

export function removeRuntime(paths: HostPaths): void {
  rmSync(paths.runtimeFile, { force: true });
}

/** The runtime of a live host, or `undefined` when there is none (a stale file is ignored). */
export function readLiveRuntime(paths: HostPaths): HostRuntime | undefined {
  let runtime: HostRuntime;
  try {
    runtime = JSON.parse(readFileSync(paths.runtimeFile, 'utf8')) as HostRuntime;
  } catch {
    return undefined;
  }
  return isProcessAlive(runtime.pid) ? runtime : undefined;
}
