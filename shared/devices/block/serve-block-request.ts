import { XoarError } from '../../errors/xoar-error.js';
import type { BlockRing } from './block-ring.js';
import { blockFailure, BlockOperation, MAX_REQUEST_BYTES } from './block-wire.js';
import type { BlockReply, BlockRequest } from './block-wire.js';
import type { DiskImage } from './disk-image.js';
import { BlockIoFailedError, BlockRequestTooLargeError } from './errors.js';

/**
 * Runs one request on a disk through its ring and answers it; never throws. A write is answered
 * only once durable; a full ring is answered at once with BlockErrorCode.ringFull.
 */
export async function serveBlockRequest(disk: DiskImage, ring: BlockRing, request: BlockRequest): Promise<BlockReply> {
  try {
    const data = await ring.submit(request.id, () => run(disk, request));
    return data === undefined ? { id: request.id, ok: true } : { id: request.id, ok: true, data };
  } catch (error) {
    return blockFailure(request.id, error instanceof XoarError ? error : new BlockIoFailedError(request.op, error));
  }
}

async function run(disk: DiskImage, request: BlockRequest): Promise<Uint8Array | undefined> {
  switch (request.op) {
    case BlockOperation.read:
      checkSize(request.length);
      return disk.read(request.offset, request.length);
    case BlockOperation.write:
      checkSize(request.data.length);
      await disk.write(request.offset, request.data);
      return undefined;
    case BlockOperation.flush:
      await disk.flush();
      return undefined;
    case BlockOperation.discard:
      await disk.discard(request.offset, request.length);
      return undefined;
  }
}

function checkSize(length: number): void {
  if (length > MAX_REQUEST_BYTES) throw new BlockRequestTooLargeError(length, MAX_REQUEST_BYTES);
}
