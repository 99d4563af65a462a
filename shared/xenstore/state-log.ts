import { open, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { XenstoreStateLogCorruptError } from './errors.js';
import { InMemoryXenstoreState } from './in-memory-state.js';
import { decodeCommit, decodeImage, encodeImage } from './state-codec.js';
import type { WireCommit, WireImage } from './state-codec.js';

/** Who may append: the writer that took over last (`epoch`), after batch `batch`. */
export interface WriterPosition {
  readonly epoch: number;
  readonly batch: number;
}

export interface BatchOutcome {
  /** False when the batch came from a writer that has since been replaced: nothing was applied. */
  readonly accepted: boolean;
  /** Indexes (within the batch) of commits refused because an expectation did not hold. */
  readonly conflicts: readonly number[];
}

interface LogLine extends WriterPosition {
  readonly commits: readonly WireCommit[];
}

interface ImageFile extends WriterPosition {
  readonly image: WireImage;
}

const IMAGE_FILE = 'image.json';
const LOG_FILE = 'commits.log';
const DEFAULT_COMPACT_AFTER_BYTES = 16 * 1024 * 1024;

/**
 * XenStore-State's durable store: the tree in memory, and on disk an image plus an append-only
 * log of commit batches, each fdatasync'ed before it is acknowledged. Opening replays the log
 * over the image; an incomplete last line (a crash mid-append: never acknowledged) is cut off.
 * Writers are fenced by epoch: once a new XenStore-Logic instance takes over, batches still in
 * flight from the old one are refused, so its mirror and this store cannot diverge.
 */
export class XenstoreStateLog {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private state: InMemoryXenstoreState,
    private position: WriterPosition,
    private log: FileHandle,
    private logBytes: number,
    private readonly compactAfterBytes: number,
  ) {}

  static async open(dir: string, options: { compactAfterBytes?: number } = {}): Promise<XenstoreStateLog> {
    const imageFile = await readImage(join(dir, IMAGE_FILE));
    const state = imageFile ? InMemoryXenstoreState.fromImage(decodeImage(imageFile.image)) : new InMemoryXenstoreState();
    let position: WriterPosition = imageFile ?? { epoch: 0, batch: 0 };
    for (const line of await readLog(join(dir, LOG_FILE))) {
      if (line.epoch < position.epoch || (line.commits.length > 0 && line.batch <= position.batch)) continue;
      for (const commit of line.commits) state.apply(decodeCommit(commit));
      position = { epoch: line.epoch, batch: Math.max(position.batch, line.batch) };
    }
    const store = new XenstoreStateLog(dir, state, position, await open(join(dir, LOG_FILE), 'a'), 0, options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES);
    await store.compact();
    return store;
  }

  /** A new writer takes over: from now on only its batches are accepted. Returns where it starts from. */
  takeOver(): Promise<WriterPosition & { image: WireImage }> {
    return this.serialised(async () => {
      this.position = { epoch: this.position.epoch + 1, batch: this.position.batch };
      await this.appendLine({ ...this.position, commits: [] });
      return { ...this.position, image: encodeImage(this.state.image()) };
    });
  }

  /** Applies a writer's batch and makes it durable before resolving. A repeated batch is acknowledged again. */
  append(epoch: number, batch: number, commits: readonly WireCommit[]): Promise<BatchOutcome> {
    return this.serialised(async () => {
      if (epoch !== this.position.epoch) return { accepted: false, conflicts: [] };
      if (batch <= this.position.batch) return { accepted: true, conflicts: [] };
      const conflicts: number[] = [];
      const applied: WireCommit[] = [];
      commits.forEach((commit, index) => {
        if (this.state.apply(decodeCommit(commit)).committed) applied.push(commit);
        else conflicts.push(index);
      });
      this.position = { epoch, batch };
      await this.appendLine({ epoch, batch, commits: applied });
      if (this.logBytes > this.compactAfterBytes) await this.compact();
      return { accepted: true, conflicts };
    });
  }

  close(): Promise<void> {
    return this.serialised(() => this.log.close());
  }

  private async appendLine(line: LogLine): Promise<void> {
    const text = `${JSON.stringify(line)}\n`;
    await this.log.appendFile(text);
    await this.log.datasync();
    this.logBytes += Buffer.byteLength(text);
  }

  /** Writes the image (temp file, fsync, rename), then empties the log it supersedes. */
  private async compact(): Promise<void> {
    const image: ImageFile = { ...this.position, image: encodeImage(this.state.image()) };
    const temporary = join(this.dir, `${IMAGE_FILE}.tmp`);
    await writeFile(temporary, JSON.stringify(image), { flush: true });
    await rename(temporary, join(this.dir, IMAGE_FILE));
    await this.log.truncate(0);
    await this.log.datasync();
    this.logBytes = 0;
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const done = this.tail.then(work);
    this.tail = done.catch(() => undefined);
    return done;
  }
}

async function readImage(file: string): Promise<ImageFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as ImageFile;
  } catch (error) {
    throw new XenstoreStateLogCorruptError(file, 1, error);
  }
}

/** The log's complete lines; an incomplete last line is cut off the file. */
async function readLog(file: string): Promise<LogLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete.length < text.length) await truncate(file, Buffer.byteLength(complete));
  return complete
    .split('\n')
    .slice(0, -1)
    .map((line, index) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch (error) {
        throw new XenstoreStateLogCorruptError(file, index + 1, error);
      }
    });
}
