import { describe, expect, it } from 'vitest';
import { decodeGuestReport, encodeGuestReport } from './guest-report.js';

describe('guest reports', () => {
  it('travel with their wire version and instance', () => {
    const data = encodeGuestReport(1, { kind: 'devices', devices: [{ kind: 'vbd', devid: 51712, connected: true }] });
    expect(JSON.parse(new TextDecoder().decode(data))).toEqual({ v: 1, instance: 1, kind: 'devices', devices: [{ kind: 'vbd', devid: 51712, connected: true }] });
    expect(decodeGuestReport(data)).toEqual({ v: 1, instance: 1, kind: 'devices', devices: [{ kind: 'vbd', devid: 51712, connected: true }] });
  });

  it('are refused in another version, of an unknown kind, or without an instance', () => {
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(decodeGuestReport(encode({ v: 2, instance: 1, kind: 'heartbeat' }))).toBeUndefined();
    expect(decodeGuestReport(encode({ v: 1, instance: 1, kind: 'rebooted' }))).toBeUndefined();
    expect(decodeGuestReport(encode({ v: 1, kind: 'heartbeat' }))).toBeUndefined();
    expect(decodeGuestReport(encode('heartbeat'))).toBeUndefined();
  });
});
