import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InMemoryXenstoreState } from '../../../shared/xenstore/in-memory-state.js';
import { directChannels } from '../../../shared/xenstore/direct-channel.js';
import { XenstoreLogic } from '../../../shared/xenstore/logic.js';
import { XenstoreUnixSocketServer } from '../../../shared/xenstore/unix-socket-server.js';

export interface ServedXenstore {
  readonly socketPath: string;
  readonly server: XenstoreUnixSocketServer;
  /** The environment that points xenstore-utils and pyxs at this store. */
  readonly env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** A XenStore served in-process on a unix socket in a fresh temp directory. */
export async function serveXenstore(): Promise<ServedXenstore> {
  const dir = mkdtempSync(join(tmpdir(), 'xoar-xenstore-'));
  const socketPath = join(dir, 'socket');
  const logic = await XenstoreLogic.open({ state: new InMemoryXenstoreState() });
  const server = await XenstoreUnixSocketServer.listen({ path: socketPath, channels: directChannels(logic) });
  return {
    socketPath,
    server,
    env: { ...process.env, XENSTORED_PATH: socketPath },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const execFileAsync = promisify(execFile);

/** Runs a program to completion; a non-zero exit is a result, not an exception. */
export async function run(program: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await execFileAsync(program, args, { env, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw error;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}
