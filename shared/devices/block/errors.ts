import { XoarError } from '../../errors/xoar-error.js';

/** The codes of block errors, as replies carry them: a front-end decides on the code alone (back off, retry, give up). */
export const BlockErrorCode = {
  imageUnavailable: 'block-image-unavailable',
  imageSizeMismatch: 'block-image-size-mismatch',
  outOfBounds: 'block-request-out-of-bounds',
  misaligned: 'block-request-misaligned',
  tooLarge: 'block-request-too-large',
  ringFull: 'block-ring-full',
  malformed: 'block-message-malformed',
  ioFailed: 'block-io-failed',
} as const;
export type BlockErrorCode = (typeof BlockErrorCode)[keyof typeof BlockErrorCode];

export class DiskImageUnavailableError extends XoarError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(BlockErrorCode.imageUnavailable, `cannot open the disk image ${path}`, {
      hint: 'check that its directory exists and that this service VM may write there (its declared directories)',
      cause,
    });
  }
}

export class DiskImageSizeMismatchError extends XoarError {
  constructor(
    readonly path: string,
    readonly actualBytes: number,
    readonly expectedBytes: number,
  ) {
    super(BlockErrorCode.imageSizeMismatch, `the disk image ${path} is ${actualBytes} bytes, but the disk is ${expectedBytes} bytes`, {
      hint: 'an image is never resized: restore the disk size in the policy, or move the image away to start with an empty disk',
    });
  }
}

export class BlockRequestOutOfBoundsError extends XoarError {
  constructor(offset: number, length: number, sizeBytes: number) {
    super(BlockErrorCode.outOfBounds, `bytes ${offset}..${offset + length} are outside the ${sizeBytes}-byte disk`, {
      hint: 'read the disk size from the backend\'s "sectors" node and stay below it',
    });
  }
}

export class BlockRequestMisalignedError extends XoarError {
  constructor(what: string, value: number, sectorSize: number) {
    super(BlockErrorCode.misaligned, `the request's ${what} ${value} is not a multiple of the ${sectorSize}-byte sector`, {
      hint: 'block requests address whole sectors: align offsets and lengths to the sector size',
    });
  }
}

export class BlockRequestTooLargeError extends XoarError {
  constructor(length: number, limit: number) {
    super(BlockErrorCode.tooLarge, `a ${length}-byte request is larger than the ${limit}-byte limit`, {
      hint: 'split the request into smaller ones',
    });
  }
}

/** The disk has `depth` requests in flight: the request was not queued, send it again once one completes. */
export class BlockRingFullError extends XoarError {
  constructor(readonly depth: number) {
    super(BlockErrorCode.ringFull, `the request ring is full (${depth} requests in flight)`, {
      hint: 'wait for a reply before sending more: at most the ring depth may be in flight',
    });
  }
}

export class BlockMessageMalformedError extends XoarError {
  constructor(problem: string) {
    super(BlockErrorCode.malformed, `not a block message: ${problem}`, {
      hint: 'front-end and backend must use the same block wire version (shared/devices/block/block-wire.ts)',
    });
  }
}

/** The image file failed a read, write or sync: the request did not complete. */
export class BlockIoFailedError extends XoarError {
  constructor(operation: string, cause: unknown) {
    super(BlockErrorCode.ioFailed, `${operation} failed on the disk image`, { hint: 'check the disk backing the image (space, I/O errors in the kernel log)', cause });
  }
}
