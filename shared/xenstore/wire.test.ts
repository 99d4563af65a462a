import { describe, expect, it } from 'vitest';
import { XenstorePayloadTooLargeError } from './errors.js';
import { decodeFrame, encodeMessage, XS_HEADER_SIZE, XsFrameParser } from './wire.js';

const message = { type: 11, reqId: 7, txId: 3, payload: Buffer.from('/a\0value', 'latin1') };

describe('encodeMessage', () => {
  it('writes type, req_id, tx_id and len as little-endian u32s before the payload', () => {
    const frame = encodeMessage(message);
    expect(frame.length).toBe(XS_HEADER_SIZE + 8);
    expect([...frame.subarray(0, 16)]).toEqual([11, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 8, 0, 0, 0]);
    expect(frame.subarray(16).toString('latin1')).toBe('/a\0value');
  });
});

describe('XsFrameParser', () => {
  it('decodes what encodeMessage wrote', () => {
    expect(new XsFrameParser().push(encodeMessage(message))).toEqual([message]);
  });

  it('reassembles messages fed one byte at a time', () => {
    const parser = new XsFrameParser();
    const frames = Buffer.concat([encodeMessage(message), encodeMessage({ ...message, reqId: 8, payload: Buffer.alloc(0) })]);
    const decoded = [...frames].flatMap((byte) => parser.push(Buffer.from([byte])));
    expect(decoded.map(({ reqId, payload }) => [reqId, payload.length])).toEqual([[7, 8], [8, 0]]);
    expect(parser.pendingBytes).toBe(0);
  });

  it('returns every whole message in a chunk and keeps the partial rest', () => {
    const parser = new XsFrameParser();
    const frame = encodeMessage(message);
    const chunk = Buffer.concat([frame, frame, frame.subarray(0, 5)]);
    expect(parser.push(chunk)).toHaveLength(2);
    expect(parser.pendingBytes).toBe(5);
    expect(parser.push(frame.subarray(5))).toEqual([message]);
  });

  it('accepts a payload of exactly 4096 bytes and refuses a header announcing more', () => {
    expect(new XsFrameParser().push(encodeMessage({ ...message, payload: Buffer.alloc(4096) }))[0]?.payload.length).toBe(4096);
    const header = encodeMessage({ ...message, payload: Buffer.alloc(0) });
    header.writeUInt32LE(4097, 12);
    expect(() => new XsFrameParser().push(header)).toThrow(XenstorePayloadTooLargeError);
  });
});

describe('decodeFrame', () => {
  it('reads a buffer that holds exactly one whole frame', () => {
    expect(decodeFrame(encodeMessage(message))).toEqual(message);
  });

  it('refuses two frames, a cut frame, trailing bytes and an oversized header, without throwing', () => {
    const frame = encodeMessage(message);
    const oversized = Buffer.alloc(XS_HEADER_SIZE);
    oversized.writeUInt32LE(4097, 12);
    expect(decodeFrame(Buffer.concat([frame, frame]))).toBeUndefined();
    expect(decodeFrame(frame.subarray(0, frame.length - 1))).toBeUndefined();
    expect(decodeFrame(Buffer.concat([frame, Buffer.from([0])]))).toBeUndefined();
    expect(decodeFrame(oversized)).toBeUndefined();
  });
});
