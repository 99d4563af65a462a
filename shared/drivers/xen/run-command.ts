import { execFile } from 'node:child_process';
import { XenToolsMissingError } from './errors.js';

/** How a command ended badly: `exited with 3`, `timed out after 60000 ms`, `was killed by SIGKILL`. */
export type CommandFailure = (ending: string, exitCode: number | null, stderr: string) => Error;

/** Runs a dom0 tool with a timeout (no shell), resolving to its stdout. */
export function runCommand(command: string, args: readonly string[], timeoutMs: number, failure: CommandFailure): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 2 ** 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout);
      const { code, killed, signal } = error as NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null };
      if (code === 'ENOENT') return reject(new XenToolsMissingError(command, error));
      if (killed && signal === 'SIGTERM') return reject(failure(`timed out after ${timeoutMs} ms`, null, stderr));
      if (typeof code === 'number') return reject(failure(`exited with ${code}`, code, stderr));
      return reject(failure(signal ? `was killed by ${signal}` : `failed (${error.message})`, null, stderr));
    });
  });
}
