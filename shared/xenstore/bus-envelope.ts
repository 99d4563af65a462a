/**
 * How XenStore frames travel over the bus. A request carries the frame exactly as on the wire,
 * behind its place in the session: [kind u8][seq u32][acked u32][frame]. A reply carries the reply
 * frame behind [kind u8], or is a bare `resend`: the instance missed earlier requests of the
 * session (they went to an instance that has since been rolled back) and needs them first.
 */
export const RequestKind = { request: 1, close: 2 } as const;
export type RequestKind = (typeof RequestKind)[keyof typeof RequestKind];

export const ReplyKind = { reply: 1, resend: 2 } as const;
export type ReplyKind = (typeof ReplyKind)[keyof typeof ReplyKind];

export type BusRequest = { readonly kind: typeof RequestKind.request; readonly seq: number; readonly acked: number; readonly frame: Uint8Array } | { readonly kind: typeof RequestKind.close };
export type BusReply = { readonly kind: typeof ReplyKind.reply; readonly frame: Uint8Array } | { readonly kind: typeof ReplyKind.resend };

const REQUEST_HEADER = 9;

export function encodeBusRequest(request: BusRequest): Uint8Array {
  if (request.kind === RequestKind.close) return Uint8Array.of(RequestKind.close);
  const data = Buffer.allocUnsafe(REQUEST_HEADER + request.frame.length);
  data.writeUInt8(RequestKind.request, 0);
  data.writeUInt32LE(request.seq, 1);
  data.writeUInt32LE(request.acked, 5);
  data.set(request.frame, REQUEST_HEADER);
  return data;
}

/** Undefined for anything that is not a well-formed request envelope. */
export function decodeBusRequest(data: Uint8Array): BusRequest | undefined {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buffer.length === 1 && buffer[0] === RequestKind.close) return { kind: RequestKind.close };
  if (buffer.length < REQUEST_HEADER || buffer[0] !== RequestKind.request) return undefined;
  const seq = buffer.readUInt32LE(1);
  if (seq === 0) return undefined;
  return { kind: RequestKind.request, seq, acked: buffer.readUInt32LE(5), frame: buffer.subarray(REQUEST_HEADER) };
}

export function encodeBusReply(reply: BusReply): Uint8Array {
  if (reply.kind === ReplyKind.resend) return Uint8Array.of(ReplyKind.resend);
  const data = Buffer.allocUnsafe(1 + reply.frame.length);
  data.writeUInt8(ReplyKind.reply, 0);
  data.set(reply.frame, 1);
  return data;
}

export function decodeBusReply(data: Uint8Array): BusReply | undefined {
  if (data.length === 1 && data[0] === ReplyKind.resend) return { kind: ReplyKind.resend };
  if (data.length < 2 || data[0] !== ReplyKind.reply) return undefined;
  return { kind: ReplyKind.reply, frame: data.subarray(1) };
}
