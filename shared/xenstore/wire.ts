import { XenstorePayloadTooLargeError } from './errors.js';

/** Size of `struct xsd_sockmsg`: four little-endian u32s (type, req_id, tx_id, len). */
export const XS_HEADER_SIZE = 16;
/** XENSTORE_PAYLOAD_MAX: the payload limit in both directions. */
export const XS_PAYLOAD_MAX = 4096;

/** One XenStore message. `type` is a plain number: clients may send types we do not know. */
export interface XsMessage {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly payload: Uint8Array;
}

export function encodeMessage(message: XsMessage): Buffer {
  const frame = Buffer.allocUnsafe(XS_HEADER_SIZE + message.payload.length);
  frame.writeUInt32LE(message.type, 0);
  frame.writeUInt32LE(message.reqId, 4);
  frame.writeUInt32LE(message.txId, 8);
  frame.writeUInt32LE(message.payload.length, 12);
  frame.set(message.payload, XS_HEADER_SIZE);
  return frame;
}

/**
 * The message of a buffer that holds exactly one whole frame (one bus message, one recorded
 * reply); undefined for anything else, an oversized header included.
 */
export function decodeFrame(frame: Uint8Array): XsMessage | undefined {
  try {
    const messages = new XsFrameParser().push(frame);
    return messages.length === 1 && frame.length === XS_HEADER_SIZE + (messages[0]?.payload.length ?? 0) ? messages[0] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Cuts a byte stream into messages, whatever the chunking. Throws
 * XenstorePayloadTooLargeError on an oversized header; the stream is unusable after that.
 */
export class XsFrameParser {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): XsMessage[] {
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    const messages: XsMessage[] = [];
    let offset = 0;
    while (this.buffered.length - offset >= XS_HEADER_SIZE) {
      const length = this.buffered.readUInt32LE(offset + 12);
      if (length > XS_PAYLOAD_MAX) throw new XenstorePayloadTooLargeError(length, XS_PAYLOAD_MAX);
      const end = offset + XS_HEADER_SIZE + length;
      if (this.buffered.length < end) break;
      messages.push({
        type: this.buffered.readUInt32LE(offset),
        reqId: this.buffered.readUInt32LE(offset + 4),
        txId: this.buffered.readUInt32LE(offset + 8),
        payload: Buffer.from(this.buffered.subarray(offset + XS_HEADER_SIZE, end)),
      });
      offset = end;
    }
    this.buffered = this.buffered.subarray(offset);
    return messages;
  }

  /** Bytes of an incomplete message still waiting for the rest. */
  get pendingBytes(): number {
    return this.buffered.length;
  }
}
