import { describe, expect, it } from 'vitest';
import { decodeGuestReport, emptyLatencyHistogram, encodeGuestReport, latencyPercentile, recordLatency } from './guest-report.js';

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

  it('carry block write latency as log-scale bucket counts, 0.1 ms to 10 s, that an interval is read from by subtraction', () => {
    const histogram = emptyLatencyHistogram();
    for (const ms of [0.01, 0.15, 1.5, 30, 20_000]) recordLatency(histogram, ms);
    const nonZero = Object.fromEntries(histogram.counts.flatMap((count, i) => (count > 0 ? [[i, count]] : [])));
    expect(nonZero).toEqual({ 0: 1, 1: 1, 11: 1, 24: 1, 49: 1 });
    const block = { writesAcked: 5, readsVerified: 0, verificationFailures: 0, failures: [], retries: 0, writeLatency: histogram };
    const report = decodeGuestReport(encodeGuestReport(1, { kind: 'workload', block }));
    expect(report).toEqual({ v: 1, instance: 1, kind: 'workload', block });

    const before = structuredClone(histogram);
    for (let i = 0; i < 98; i++) recordLatency(histogram, 1.5);
    recordLatency(histogram, 30);
    recordLatency(histogram, 300);
    // The interval holds 98 writes of 1.5 ms, one of 30 ms and one of 300 ms: upper bucket edges.
    expect(latencyPercentile(histogram, before, 50)).toBeCloseTo(0.1 * 10 ** 1.2);
    expect(latencyPercentile(histogram, before, 99)).toBeCloseTo(0.1 * 10 ** 2.5);
    expect(latencyPercentile(histogram, before, 100)).toBeCloseTo(0.1 * 10 ** 3.5);
    expect(latencyPercentile(before, before, 50)).toBeNaN();
  });
});
