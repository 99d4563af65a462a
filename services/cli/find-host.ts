import { readdirSync } from 'node:fs';
import { XoarError } from '../../shared/errors/xoar-error.js';
import { HostNotRunningError, type HostRuntime, readLiveRuntime } from '../supervisor/runtime-file.js';
import { hostPaths } from '../supervisor/state-dir.js';

export class HostAmbiguousError extends XoarError {
  constructor(hosts: string[]) {
    super('host-ambiguous', `several hosts are running here: ${hosts.join(', ')}`, { hint: 'name one with --host NAME' });
  }
}

/** The live host named, or the only live one under the state root. */
export function findHost(stateRoot: string, name: string | undefined): HostRuntime {
  if (name !== undefined) {
    const paths = hostPaths(stateRoot, name);
    const runtime = readLiveRuntime(paths);
    if (runtime === undefined) throw new HostNotRunningError(name, paths.runtimeFile);
    return runtime;
  }
  const live = listHosts(stateRoot).flatMap((host) => readLiveRuntime(hostPaths(stateRoot, host)) ?? []);
  if (live.length === 1 && live[0]) return live[0];
  if (live.length === 0) throw new HostNotRunningError('(any)', stateRoot);
  throw new HostAmbiguousError(live.map((runtime) => runtime.host));
}

function listHosts(stateRoot: string): string[] {
  try {
    return readdirSync(stateRoot, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}
