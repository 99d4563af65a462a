import { describe, expect, it } from 'vitest';
import { WORKLOAD_BLOCK_BYTES } from '../../shared/guest/guest-config.js';
import { blockContent, writeSeqOf } from './block-pattern.js';

describe('block pattern', () => {
  it('tells which write a block holds', () => {
    expect(writeSeqOf(blockContent(8192, 17), 8192)).toBe(17);
    expect(writeSeqOf(new Uint8Array(WORKLOAD_BLOCK_BYTES), 8192)).toBe(0);
  });

  it('differs for every offset and every write', () => {
    expect(blockContent(8192, 17)).not.toEqual(blockContent(8192, 18));
    expect(blockContent(8192, 17).subarray(16)).not.toEqual(blockContent(4096, 17).subarray(16));
  });

  it('recognises nothing it did not write: another block, a torn block, a short read', () => {
    expect(writeSeqOf(blockContent(4096, 17), 8192)).toBeNull();
    const torn = blockContent(8192, 17);
    torn.set(blockContent(8192, 16).subarray(2048), 2048);
    expect(writeSeqOf(torn, 8192)).toBeNull();
    expect(writeSeqOf(blockContent(8192, 17).subarray(0, 512), 8192)).toBeNull();
  });
});
