import { FrameInvalidError } from './errors.js';
import { type MacAddress, formatMac, parseMac } from './mac-address.js';

/** Destination MAC, source MAC, EtherType. */
const HEADER_BYTES = 14;
/** The shortest Ethernet frame without FCS; shorter frames are padded with zeros to this length. */
export const MIN_FRAME_BYTES = 60;
/** The longest Ethernet frame without FCS (or VLAN tag): a 1500-byte payload. */
export const MAX_FRAME_BYTES = 1514;

export const FrameProblem = { tooShort: 'too-short', tooLong: 'too-long' } as const;
export type FrameProblem = (typeof FrameProblem)[keyof typeof FrameProblem];

export interface EthernetFrame {
  destination: MacAddress;
  source: MacAddress;
  etherType: number;
  /** What follows the header, padding included. */
  payload: Uint8Array;
  /** The whole frame: the bytes read (not a copy), or a zero-padded copy of a frame shorter than `MIN_FRAME_BYTES`. */
  bytes: Uint8Array;
}

/**
 * Reads a frame as a guest sends it. A guest's network stack leaves padding to the NIC (Linux
 * sends a 42-byte ARP request), so a frame with a whole header but shorter than 60 bytes is
 * padded with zeros, as a NIC would, rather than refused.
 */
export function parseFrame(bytes: Uint8Array): EthernetFrame {
  if (bytes.length < HEADER_BYTES) throw new FrameInvalidError(FrameProblem.tooShort, bytes.length);
  if (bytes.length > MAX_FRAME_BYTES) throw new FrameInvalidError(FrameProblem.tooLong, bytes.length);
  const frame = bytes.length < MIN_FRAME_BYTES ? padded(bytes) : bytes;
  return {
    destination: formatMac(frame, 0),
    source: formatMac(frame, 6),
    etherType: (frame[12]! << 8) | frame[13]!,
    payload: frame.subarray(HEADER_BYTES),
    bytes: frame,
  };
}

/** A frame with this header and payload (at most 1500 bytes), padded to 60 bytes. */
export function buildFrame(fields: { destination: MacAddress; source: MacAddress; etherType: number; payload: Uint8Array }): Uint8Array {
  const length = HEADER_BYTES + fields.payload.length;
  if (length > MAX_FRAME_BYTES) throw new FrameInvalidError(FrameProblem.tooLong, length);
  const frame = new Uint8Array(Math.max(length, MIN_FRAME_BYTES));
  frame.set(parseMac(fields.destination), 0);
  frame.set(parseMac(fields.source), 6);
  frame[12] = (fields.etherType >> 8) & 0xff;
  frame[13] = fields.etherType & 0xff;
  frame.set(fields.payload, HEADER_BYTES);
  return frame;
}

function padded(bytes: Uint8Array): Uint8Array {
  const frame = new Uint8Array(MIN_FRAME_BYTES);
  frame.set(bytes);
  return frame;
}
