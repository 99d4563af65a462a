import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dieWithParent } from '../../../shared/die-with-parent.js';
import { projectRoot } from '../../../shared/project-root.js';
import { XsMessageType } from '../../../shared/xenstore/message-type.js';
import { RawXenstoreClient } from './raw-xenstore-client.js';
import { xenShimLibrary } from './xen-shim.js';

export interface CXenstored {
  readonly socketPath: string;
  readonly pid: number;
  /** The environment that points xenstore-utils and pyxs at this daemon. */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** deploy/fetch-c-xenstored.sh has not unpacked xenstored, or it cannot start here. */
export class CXenstoredUnavailableError extends Error {}

/** Where deploy/fetch-c-xenstored.sh unpacks Debian's xen-utils-4.17 and its libraries. */
const CACHE = join(projectRoot(), '.cache', 'c-xenstored');
const ROOT = join(CACHE, 'root');
const DAEMON = join(ROOT, 'usr', 'lib', 'xen-4.17', 'bin', 'xenstored');
const LIBRARIES = join(ROOT, 'usr', 'lib', 'x86_64-linux-gnu');
const READY_WITHIN_MS = 10_000;

/** Whether the C daemon has been unpacked, so that startCXenstored can run it. */
export function cXenstoredIsUnpacked(): boolean {
  return existsSync(DAEMON);
}

/**
 * Starts Debian's C xenstored 4.17 as an ordinary process (no hypervisor: see xen-shim.c) with a
 * fresh store in a temp directory, and resolves once its socket answers. The daemon dies with
 * the calling process.
 */
export async function startCXenstored(): Promise<CXenstored> {
  if (!cXenstoredIsUnpacked()) throw new CXenstoredUnavailableError(`C xenstored is not unpacked at ${DAEMON}: run bash deploy/fetch-c-xenstored.sh`);
  const shim = await xenShimLibrary(CACHE);
  const dir = mkdtempSync(join(tmpdir(), 'xoar-c-xenstored-'));
  const socketPath = join(dir, 'socket');
  const { command, args } = dieWithParent(DAEMON, ['--no-fork']);
  const daemon = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env['PATH'], XENSTORED_RUNDIR: dir, LD_PRELOAD: shim, LD_LIBRARY_PATH: LIBRARIES },
  });
  let stderr = '';
  daemon.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const stop = async (): Promise<void> => {
    if (!hasExited) daemon.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = performance.now() + READY_WITHIN_MS;
  while (!(await answers(socketPath))) {
    if (hasExited || performance.now() > deadline) {
      await stop();
      throw new CXenstoredUnavailableError(`C xenstored did not come up on ${socketPath}: ${stderr.trim() || 'no output'}`);
    }
    await sleep(5);
  }
  return { socketPath, pid: daemon.pid ?? 0, env: { ...process.env, XENSTORED_PATH: socketPath }, stop };
}

async function answers(socketPath: string): Promise<boolean> {
  if (!existsSync(socketPath)) return false;
  const client = await RawXenstoreClient.connect(socketPath).catch(() => undefined);
  if (!client) return false;
  try {
    const reply = await client.request({ type: XsMessageType.getDomainPath, reqId: 0, txId: 0, payload: Buffer.from('0\0') });
    return reply.type === XsMessageType.getDomainPath;
  } catch {
    return false;
  } finally {
    client.close();
  }
}
