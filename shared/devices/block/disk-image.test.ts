import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskImage, SECTOR_SIZE } from './disk-image.js';
import { BlockErrorCode } from './errors.js';

const MiB = 1024 * 1024;
let dir: string;
let disk: DiskImage | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xoar-disk-'));
});
afterEach(async () => {
  await disk?.close();
  disk = undefined;
  await rm(dir, { recursive: true, force: true });
});

const sectorsOf = (byte: number, count = 1) => new Uint8Array(count * SECTOR_SIZE).fill(byte);

describe('DiskImage', () => {
  it('creates a sparse image of the given size that reads as zeros', async () => {
    disk = await DiskImage.open(join(dir, 'xvda.img'), 64 * MiB);
    const { size, blocks } = await stat(disk.path);
    expect(size).toBe(64 * MiB);
    expect(blocks * 512).toBeLessThan(MiB);
    expect(disk.sectors).toBe((64 * MiB) / SECTOR_SIZE);
    expect(await disk.read(32 * MiB, 2 * SECTOR_SIZE)).toEqual(new Uint8Array(2 * SECTOR_SIZE));
  });

  it('resolves a write once the data reads back, and keeps it across reopening', async () => {
    const path = join(dir, 'xvda.img');
    disk = await DiskImage.open(path, MiB);
    await disk.write(3 * SECTOR_SIZE, sectorsOf(0xab, 2));
    expect(await disk.read(2 * SECTOR_SIZE, 4 * SECTOR_SIZE)).toEqual(new Uint8Array([...sectorsOf(0), ...sectorsOf(0xab, 2), ...sectorsOf(0)]));
    await disk.flush();
    await disk.close();
    disk = await DiskImage.open(path, MiB);
    expect(await disk.read(3 * SECTOR_SIZE, SECTOR_SIZE)).toEqual(sectorsOf(0xab));
    expect((await stat(path)).blocks * 512).toBeLessThan(MiB);
  });

  it('discards a range: it reads as zeros afterwards', async () => {
    disk = await DiskImage.open(join(dir, 'xvda.img'), MiB);
    await disk.write(0, sectorsOf(7, 4));
    await disk.discard(SECTOR_SIZE, 2 * SECTOR_SIZE);
    expect(await disk.read(0, 4 * SECTOR_SIZE)).toEqual(new Uint8Array([...sectorsOf(7), ...sectorsOf(0, 2), ...sectorsOf(7)]));
  });

  it('refuses an existing image of another size, saying both sizes', async () => {
    const path = join(dir, 'xvda.img');
    await writeFile(path, new Uint8Array(4 * SECTOR_SIZE));
    await expect(DiskImage.open(path, MiB)).rejects.toMatchObject({
      code: BlockErrorCode.imageSizeMismatch,
      message: `the disk image ${path} is 2048 bytes, but the disk is ${MiB} bytes`,
    });
  });

  it('says why an image cannot be opened', async () => {
    await expect(DiskImage.open(join(dir, 'missing', 'xvda.img'), MiB)).rejects.toMatchObject({ code: BlockErrorCode.imageUnavailable });
  });

  it('refuses requests beyond the disk', async () => {
    disk = await DiskImage.open(join(dir, 'xvda.img'), MiB);
    await expect(disk.read(MiB - SECTOR_SIZE, 2 * SECTOR_SIZE)).rejects.toMatchObject({ code: BlockErrorCode.outOfBounds });
    await expect(disk.write(MiB, sectorsOf(1))).rejects.toMatchObject({ code: BlockErrorCode.outOfBounds });
    await expect(disk.discard(-SECTOR_SIZE, SECTOR_SIZE)).rejects.toMatchObject({ code: BlockErrorCode.outOfBounds });
  });

  it('refuses requests not aligned to the sector', async () => {
    disk = await DiskImage.open(join(dir, 'xvda.img'), MiB);
    await expect(disk.read(100, SECTOR_SIZE)).rejects.toMatchObject({ code: BlockErrorCode.misaligned, message: "the request's offset 100 is not a multiple of the 512-byte sector" });
    await expect(disk.write(0, new Uint8Array(100))).rejects.toMatchObject({ code: BlockErrorCode.misaligned });
    await expect(DiskImage.open(join(dir, 'odd.img'), 1000)).rejects.toMatchObject({ code: BlockErrorCode.misaligned });
  });
});
