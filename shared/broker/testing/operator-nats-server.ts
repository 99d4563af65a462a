import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../free-port.js';
import { renderAuthorization } from '../render-config.js';

const readOr = (path: string) => readFile(path, 'utf8').catch(() => '');

/** A nats-server run the way an operator would: its own config, which includes xoar's file. */
export interface OperatorServer {
  url: string;
  port: number;
  pid: number;
  configFile: string;
  authorizationFile: string;
  pidFile: string;
  logFile: string;
  child: ChildProcess;
  exited: Promise<void>;
}

export async function startOperatorServer(dir: string, options: { jetstream?: boolean } = {}): Promise<OperatorServer> {
  const port = await findFreePort('127.0.0.1');
  const configFile = join(dir, 'nats.conf');
  const authorizationFile = join(dir, 'xoar-authorization.conf');
  const pidFile = join(dir, 'nats.pid');
  const logFile = join(dir, 'nats.log');
  // Before xoar joins, nobody is granted anything (an empty `users` list would mean no authentication at all).
  await writeFile(authorizationFile, `${renderAuthorization({ principals: [] })}\n`, { mode: 0o600 });
  await writeFile(
    configFile,
    [
      `listen: "127.0.0.1:${port}"`,
      `pid_file: ${JSON.stringify(pidFile)}`,
      `log_file: ${JSON.stringify(logFile)}`,
      'include "xoar-authorization.conf"',
      ...(options.jetstream ? [`jetstream { store_dir: ${JSON.stringify(join(dir, 'jetstream'))} }`] : []),
      '',
    ].join('\n'),
  );
  const child = spawn('nats-server', ['-c', configFile], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let attempt = 0; !((await readOr(logFile)).includes('Server is ready') && (await readOr(pidFile)) !== ''); attempt += 1) {
    if (attempt === 500) throw new Error(`the operator's nats-server did not start: ${await readOr(logFile)}`);
    await sleep(20);
  }
  return { url: `nats://127.0.0.1:${port}`, port, pid: child.pid ?? -1, configFile, authorizationFile, pidFile, logFile, child, exited };
}

