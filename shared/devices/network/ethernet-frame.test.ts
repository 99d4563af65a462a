import { describe, expect, it } from 'vitest';
import { FrameInvalidError } from './errors.js';
import { MAX_FRAME_BYTES, MIN_FRAME_BYTES, buildFrame, parseFrame } from './ethernet-frame.js';

const A = '00:16:3e:00:00:0a';
const B = '00:16:3e:00:00:0b';

describe('Ethernet frames', () => {
  it('builds a header, the payload and zero padding to 60 bytes', () => {
    const frame = buildFrame({ destination: B, source: A, etherType: 0x0806, payload: Uint8Array.of(1, 2, 3) });
    expect(frame).toHaveLength(MIN_FRAME_BYTES);
    expect([...frame.subarray(0, 18)]).toEqual([0, 0x16, 0x3e, 0, 0, 0x0b, 0, 0x16, 0x3e, 0, 0, 0x0a, 0x08, 0x06, 1, 2, 3, 0]);
    expect(frame.subarray(17).every((byte) => byte === 0)).toBe(true);
  });

  it('reads back what it built', () => {
    const payload = new Uint8Array(1500).fill(7);
    const frame = parseFrame(buildFrame({ destination: B, source: A, etherType: 0x86dd, payload }));
    expect(frame).toMatchObject({ destination: B, source: A, etherType: 0x86dd, payload });
    expect(frame.bytes).toHaveLength(MAX_FRAME_BYTES);
  });

  it('pads a short frame from a guest (a 42-byte ARP request) to 60 bytes', () => {
    const arp = buildFrame({ destination: 'ff:ff:ff:ff:ff:ff', source: A, etherType: 0x0806, payload: new Uint8Array(28).fill(5) }).subarray(0, 42);
    const frame = parseFrame(arp);
    expect(frame.bytes).toHaveLength(MIN_FRAME_BYTES);
    expect([...frame.bytes.subarray(0, 42)]).toEqual([...arp]);
    expect(frame.bytes.subarray(42).every((byte) => byte === 0)).toBe(true);
    expect(frame.payload).toHaveLength(46);
  });

  it('reads a bare 14-byte header', () => {
    expect(parseFrame(new Uint8Array(14).fill(0xff))).toMatchObject({ destination: 'ff:ff:ff:ff:ff:ff', source: 'ff:ff:ff:ff:ff:ff', etherType: 0xffff });
  });

  it.each([
    [13, 'too-short'],
    [0, 'too-short'],
    [1515, 'too-long'],
  ])('refuses %i bytes: %s', (length, problem) => {
    expect(() => parseFrame(new Uint8Array(length))).toThrow(expect.objectContaining({ code: 'frame-invalid', problem, length }));
  });

  it('refuses to build a payload over 1500 bytes', () => {
    expect(() => buildFrame({ destination: B, source: A, etherType: 0x0800, payload: new Uint8Array(1501) })).toThrow(FrameInvalidError);
  });
});
