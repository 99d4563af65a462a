import { XoarError, describeError } from '../../shared/errors/xoar-error.js';
import { ExitCode, exitCodeFor } from './exit-code.js';

export interface OutputOptions {
  json: boolean;
}

/** Prints a command's result: the JSON document with --json, the human text otherwise. */
export function printResult(options: OutputOptions, value: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** Prints an error the way the user asked for and returns the exit code it maps to. */
export function reportError(options: OutputOptions, error: unknown): ExitCode {
  const known = error instanceof XoarError ? error : undefined;
  const code = known?.code ?? 'internal';
  const message = known?.message ?? describeError(error);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: known?.toJSON() ?? { code, message } }, null, 2)}\n`);
  } else {
    process.stderr.write(`xoar: ${message}\n`);
    if (known?.hint) process.stderr.write(`  how to fix: ${known.hint}\n`);
    if (!known && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  return known ? exitCodeFor(code) : ExitCode.failure;
}

/** Runs a command body; a thrown error becomes a message and a meaningful exit code. */
export async function runCommand(options: OutputOptions, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    process.exitCode = reportError(options, error);
  }
}
