import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlockRing } from './block-ring.js';
import { MAX_REQUEST_BYTES } from './block-wire.js';
import { DiskImage, SECTOR_SIZE } from './disk-image.js';
import { BlockErrorCode } from './errors.js';
import { serveBlockRequest } from './serve-block-request.js';

let dir: string;
let disk: DiskImage;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xoar-serve-'));
  disk = await DiskImage.open(join(dir, 'xvda.img'), 1024 * 1024);
});
afterEach(async () => {
  await disk.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serveBlockRequest', () => {
  it('answers write, flush, read and discard', async () => {
    const ring = new BlockRing(4);
    const data = new Uint8Array(SECTOR_SIZE).fill(5);
    expect(await serveBlockRequest(disk, ring, { id: 'w', op: 'write', offset: SECTOR_SIZE, data })).toEqual({ id: 'w', ok: true });
    expect(await serveBlockRequest(disk, ring, { id: 'f', op: 'flush' })).toEqual({ id: 'f', ok: true });
    expect(await serveBlockRequest(disk, ring, { id: 'r', op: 'read', offset: SECTOR_SIZE, length: SECTOR_SIZE })).toEqual({ id: 'r', ok: true, data });
    expect(await serveBlockRequest(disk, ring, { id: 'd', op: 'discard', offset: SECTOR_SIZE, length: SECTOR_SIZE })).toEqual({ id: 'd', ok: true });
    expect(await serveBlockRequest(disk, ring, { id: 'r2', op: 'read', offset: SECTOR_SIZE, length: SECTOR_SIZE })).toEqual({ id: 'r2', ok: true, data: new Uint8Array(SECTOR_SIZE) });
  });

  it('answers a failure with its code instead of throwing', async () => {
    const ring = new BlockRing(4);
    expect(await serveBlockRequest(disk, ring, { id: 'r', op: 'read', offset: 0, length: MAX_REQUEST_BYTES + SECTOR_SIZE })).toMatchObject({ id: 'r', ok: false, error: { code: BlockErrorCode.tooLarge } });
    expect(await serveBlockRequest(disk, ring, { id: 'm', op: 'read', offset: 1, length: SECTOR_SIZE })).toMatchObject({ ok: false, error: { code: BlockErrorCode.misaligned } });
  });

  it('answers ringFull when the ring is full', async () => {
    const ring = new BlockRing(1);
    const writing = serveBlockRequest(disk, ring, { id: 'w', op: 'write', offset: 0, data: new Uint8Array(SECTOR_SIZE) });
    expect(await serveBlockRequest(disk, ring, { id: 'r', op: 'read', offset: 0, length: SECTOR_SIZE })).toMatchObject({ id: 'r', ok: false, error: { code: BlockErrorCode.ringFull } });
    expect(await writing).toEqual({ id: 'w', ok: true });
  });
});
