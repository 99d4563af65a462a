import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { describeError } from '../errors/xoar-error.js';
import type { ServerLog } from './server-log.js';

/** How often the file is checked for new lines. */
const DEFAULT_POLL_INTERVAL_MS = 100;
const CHUNK_BYTES = 64 * 1024;

/**
 * Follows a log file another process writes (`tail -F`): every line appended after the tail
 * was opened goes into a `ServerLog`. The file is polled, so lines arrive up to one interval
 * late; `catchUp()` reads what is there now. A file that shrinks (truncated) or is replaced
 * (rotated: another inode at the path) is read again from its start. The poll timer is
 * unref'd: a tail never keeps the process alive on its own.
 */
export class LogFileTail {
  readonly path: string;
  readonly #log: ServerLog;
  readonly #timer: NodeJS.Timeout;
  #offset: number;
  #inode: number;
  #decoder = new StringDecoder('utf8');
  #partial = '';
  #reading: Promise<void> = Promise.resolve();
  #busy = false;
  #closed = false;
  #lastError: string | undefined;

  private constructor(path: string, log: ServerLog, start: { offset: number; inode: number }, pollIntervalMs: number) {
    this.path = path;
    this.#log = log;
    this.#offset = start.offset;
    this.#inode = start.inode;
    this.#timer = setInterval(() => {
      if (!this.#busy) void this.catchUp();
    }, pollIntervalMs);
    this.#timer.unref();
  }

  /**
   * Starts following `path` from its current end. Rejects with the file system's error if
   * the file cannot be read (missing, not permitted).
   */
  static async open(path: string, log: ServerLog, options: { pollIntervalMs?: number } = {}): Promise<LogFileTail> {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`${path} is not a regular file`);
    const handle = await open(path, 'r');
    await handle.close();
    return new LogFileTail(path, log, { offset: info.size, inode: info.ino }, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  }

  /** Reads every complete line appended so far into the log; resolves once they are there. */
  catchUp(): Promise<void> {
    const run = this.#reading.then(() => this.#readNew());
    this.#reading = run;
    return run;
  }

  /** Stops following the file. Idempotent. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  async #readNew(): Promise<void> {
    if (this.#closed) return;
    this.#busy = true;
    try {
      await this.#readAppended();
      this.#lastError = undefined;
    } catch (error) {
      // Reported once per distinct failure, in the log itself, as ServerProcess reports its own.
      const message = `[xoar] cannot read ${this.path}: ${describeError(error)}`;
      if (message !== this.#lastError) this.#log.append(message);
      this.#lastError = message;
    } finally {
      this.#busy = false;
    }
  }

  async #readAppended(): Promise<void> {
    const info = await stat(this.path);
    if (info.ino !== this.#inode || info.size < this.#offset) this.#restart(info.ino);
    if (info.size === this.#offset) return;
    const handle = await open(this.path, 'r');
    try {
      const buffer = Buffer.alloc(CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, this.#offset);
        if (bytesRead === 0 || this.#closed) return;
        this.#offset += bytesRead;
        this.#take(this.#decoder.write(buffer.subarray(0, bytesRead)));
      }
    } finally {
      await handle.close();
    }
  }

  /** A new file at the path: whatever the old one ended with is a last line; read the new one from its start. */
  #restart(inode: number): void {
    const rest = this.#partial + this.#decoder.end();
    if (rest !== '') this.#log.append(rest.replace(/\r$/, ''));
    this.#partial = '';
    this.#decoder = new StringDecoder('utf8');
    this.#inode = inode;
    this.#offset = 0;
  }

  #take(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#log.append(line.replace(/\r$/, ''));
  }
}
