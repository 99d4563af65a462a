import { describe, expect, it } from 'vitest';
import { XenToolsMissingError, XlFailedError } from './errors.js';
import { runCommand } from './run-command.js';

const asXl = (args: readonly string[]) => (ending: string, code: number | null, stderr: string) => new XlFailedError(args, ending, code, stderr);

describe('running a dom0 tool', () => {
  it('resolves to what it printed', async () => {
    expect(await runCommand('sh', ['-c', 'echo 7'], 5_000, asXl(['domid']))).toBe('7\n');
  });

  it('says which command failed, how, and what it said on stderr', async () => {
    const failing = runCommand('sh', ['-c', 'echo "h1-a-1 is an invalid domain identifier (rc=-6)" >&2; exit 1'], 5_000, asXl(['destroy', 'h1-a-1']));
    await expect(failing).rejects.toBeInstanceOf(XlFailedError);
    await expect(failing).rejects.toMatchObject({ code: 'xl-failed', exitCode: 1, message: 'xl destroy h1-a-1 exited with 1: h1-a-1 is an invalid domain identifier (rc=-6)' });
  });

  it('stops a command that runs past its timeout', async () => {
    await expect(runCommand('sleep', ['5'], 100, asXl(['save', 'h1-a-template', '/x']))).rejects.toThrow(/xl save h1-a-template \/x timed out after 100 ms/);
  });

  it('says so when the tool is not installed', async () => {
    await expect(runCommand('xl-does-not-exist', [], 5_000, asXl([]))).rejects.toBeInstanceOf(XenToolsMissingError);
  });
});
