/**
 * What the block workload writes: each 4 KiB block's content follows from where it is and which
 * write put it there, so any read can be checked, and a block read back tells which write it holds.
 *
 *   bytes 0..3   "XOAR"
 *   bytes 4..11  the block's byte offset on the disk (big-endian)
 *   bytes 12..15 the write sequence, from 1 (big-endian)
 *   the rest     a xorshift32 stream seeded from offset and sequence
 */
import { WORKLOAD_BLOCK_BYTES } from '../../shared/guest/guest-config.js';

const MAGIC = 0x584f4152;
const HEADER_BYTES = 16;

export function blockContent(offset: number, seq: number): Uint8Array {
  const block = new Uint8Array(WORKLOAD_BLOCK_BYTES);
  const view = new DataView(block.buffer);
  view.setUint32(0, MAGIC);
  view.setBigUint64(4, BigInt(offset));
  view.setUint32(12, seq);
  let state = (Math.imul(offset / WORKLOAD_BLOCK_BYTES + 1, 0x9e3779b1) ^ Math.imul(seq, 0x85ebca77)) >>> 0 || 1;
  for (let at = HEADER_BYTES; at < WORKLOAD_BLOCK_BYTES; at += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    view.setUint32(at, state >>> 0);
  }
  return block;
}

/** Which write the block at `offset` holds: its sequence, 0 for zeros (never written), null for anything else. */
export function writeSeqOf(data: Uint8Array, offset: number): number | null {
  if (data.length !== WORKLOAD_BLOCK_BYTES) return null;
  if (data.every((byte) => byte === 0)) return 0;
  const seq = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(12);
  return seq > 0 && Buffer.from(data).equals(blockContent(offset, seq)) ? seq : null;
}
