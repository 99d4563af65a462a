/**
 * The base of every error xoar raises on purpose. `code` is stable and machine-readable
 * (the CLI prints it and maps it to an exit code); `hint` tells the user how to fix it.
 */
export class XoarError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }

  toJSON(): { code: string; message: string; hint?: string } {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

/** Wraps a foreign error at a boundary, keeping it as the cause. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
