import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BlockIoFailedError, BlockRequestMisalignedError, BlockRequestOutOfBoundsError, DiskImageSizeMismatchError, DiskImageUnavailableError } from './errors.js';

export const SECTOR_SIZE = 512;

/** Zeroes written per step of a discard. */
const ZERO_CHUNK = new Uint8Array(1024 * 1024);

/**
 * A virtual disk backed by a raw image file, sparse where never written. Offsets and lengths are
 * in bytes, multiples of SECTOR_SIZE. A write resolves only once its data is durable (fdatasync).
 */
export class DiskImage {
  private constructor(
    readonly path: string,
    readonly sizeBytes: number,
    private readonly file: FileHandle,
  ) {}

  /** Opens the image at `path`, creating it sparse (ftruncate) if absent; one of another size is refused. */
  static async open(path: string, sizeBytes: number): Promise<DiskImage> {
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) throw new RangeError(`a disk size must be a positive whole number of bytes, not ${sizeBytes}`);
    checkAligned('size', sizeBytes);
    let file: FileHandle;
    let created = true;
    try {
      file = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
        created = false;
        return open(path, constants.O_RDWR);
      });
    } catch (error) {
      throw new DiskImageUnavailableError(path, error);
    }
    try {
      if (created) {
        await file.truncate(sizeBytes);
        await file.sync();
        await syncDirectoryOf(path);
      } else {
        const { size } = await file.stat();
        if (size !== sizeBytes) throw new DiskImageSizeMismatchError(path, size, sizeBytes);
      }
    } catch (error) {
      await file.close();
      throw error instanceof DiskImageSizeMismatchError ? error : new DiskImageUnavailableError(path, error);
    }
    return new DiskImage(path, sizeBytes, file);
  }

  get sectors(): number {
    return this.sizeBytes / SECTOR_SIZE;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.checkRange(offset, length);
    const data = new Uint8Array(length);
    try {
      let done = 0;
      while (done < length) {
        const { bytesRead } = await this.file.read(data, done, length - done, offset + done);
        if (bytesRead === 0) break; // cannot happen below the file's size; the rest stays zero
        done += bytesRead;
      }
    } catch (error) {
      throw new BlockIoFailedError('read', error);
    }
    return data;
  }

  /** Resolves once `data` is on stable storage. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    this.checkRange(offset, data.length);
    await this.io('write', async () => {
      await this.writeAll(offset, data);
      await this.file.datasync();
    });
  }

  /** Makes every write that has resolved so far durable (they already are; this is the barrier front-ends ask for). */
  flush(): Promise<void> {
    return this.io('flush', () => this.file.datasync());
  }

  /**
   * Makes the range read as zeros. Node cannot punch holes (fallocate PUNCH_HOLE), so this writes
   * zeros: the range reads as discarded but its space is not given back to the host.
   */
  async discard(offset: number, length: number): Promise<void> {
    this.checkRange(offset, length);
    await this.io('discard', async () => {
      for (let done = 0; done < length; done += ZERO_CHUNK.length) {
        await this.writeAll(offset + done, ZERO_CHUNK.subarray(0, Math.min(ZERO_CHUNK.length, length - done)));
      }
      await this.file.datasync();
    });
  }

  close(): Promise<void> {
    return this.file.close();
  }

  private checkRange(offset: number, length: number): void {
    checkAligned('offset', offset);
    checkAligned('length', length);
    if (offset < 0 || length < 0 || offset + length > this.sizeBytes) throw new BlockRequestOutOfBoundsError(offset, length, this.sizeBytes);
  }

  private async writeAll(offset: number, data: Uint8Array): Promise<void> {
    for (let done = 0; done < data.length; ) {
      const { bytesWritten } = await this.file.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
  }

  private async io(operation: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      throw new BlockIoFailedError(operation, error);
    }
  }
}

/** Makes a new file's name durable, so that writes acknowledged as durable cannot vanish with it. */
async function syncDirectoryOf(path: string): Promise<void> {
  const directory = await open(dirname(path), constants.O_RDONLY);
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

function checkAligned(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value % SECTOR_SIZE !== 0) throw new BlockRequestMisalignedError(what, value, SECTOR_SIZE);
}
