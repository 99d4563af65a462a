/**
 * What a guest tells the supervisor, on `subjects.guestStatus(host, guest)`, one JSON message each:
 * `booted` once it is on the bus, `heartbeat` every `heartbeatMs`, `devices` whenever a front-end
 * connects or disconnects, `workload` (its counters) at most once a second while a workload runs.
 */
import { WIRE_VERSION, decodeMessage, encodeMessage } from '../bus/messages.js';
import type { DeviceKind } from '../policy/live-grants.js';

export const GuestReportKind = {
  booted: 'booted',
  heartbeat: 'heartbeat',
  devices: 'devices',
  workload: 'workload',
} as const;
export type GuestReportKind = (typeof GuestReportKind)[keyof typeof GuestReportKind];

export interface DeviceStatus {
  kind: DeviceKind;
  devid: number;
  /** The front-end is connected to its backend: requests flow. */
  connected: boolean;
}

/** A block read that did not hold what the guest last wrote there. */
export interface VerificationFailure {
  /** Byte offset of the 4 KiB block on the disk. */
  offset: number;
  /** The write sequence whose content was expected; 0: never written, so zeros. */
  expectedSeq: number;
  /** The write sequence whose content was found; 0: zeros; null: nothing this guest ever wrote there. */
  foundSeq: number | null;
}

export interface BlockWorkloadCounters {
  writesAcked: number;
  readsVerified: number;
  verificationFailures: number;
  /** The first failures, at most MAX_REPORTED_FAILURES of them. */
  failures: VerificationFailure[];
  /** Requests sent again (timeout, no backend, ring full). */
  retries: number;
  /** Acknowledged writes by latency (send to ack, retries included); absent from older guests. */
  writeLatency?: LatencyHistogram;
}

/**
 * Counts of latencies in log-scale buckets, cumulative since the workload started: subtract two
 * reports' `counts` to get an interval's. Bucket i holds [minMs·10^(i/perDecade), minMs·10^((i+1)/perDecade));
 * the first also holds everything faster, the last everything slower.
 */
export interface LatencyHistogram {
  minMs: number;
  perDecade: number;
  counts: number[];
}

/** 0.1 ms to 10 s, 10 buckets a decade (each ×1.26): 50 buckets. */
export const WRITE_LATENCY_BUCKETS = { minMs: 0.1, perDecade: 10, buckets: 50 } as const;

export function emptyLatencyHistogram(): LatencyHistogram {
  return { minMs: WRITE_LATENCY_BUCKETS.minMs, perDecade: WRITE_LATENCY_BUCKETS.perDecade, counts: new Array<number>(WRITE_LATENCY_BUCKETS.buckets).fill(0) };
}

export function recordLatency(histogram: LatencyHistogram, ms: number): void {
  const index = Math.floor(histogram.perDecade * Math.log10(ms / histogram.minMs));
  const clamped = Number.isFinite(index) ? Math.min(histogram.counts.length - 1, Math.max(0, index)) : 0;
  histogram.counts[clamped] = (histogram.counts[clamped] ?? 0) + 1;
}

/**
 * The p-th percentile (nearest rank) of the latencies `after` counted since `before` (null: since
 * the start), as the upper edge of its bucket (so within ×1.26 above); NaN when none were counted.
 */
export function latencyPercentile(after: LatencyHistogram, before: LatencyHistogram | null, p: number): number {
  const counts = after.counts.map((count, i) => count - (before?.counts[i] ?? 0));
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return Number.NaN;
  const rank = Math.min(total, Math.max(1, Math.ceil((p / 100) * total)));
  let seen = 0;
  for (const [i, count] of counts.entries()) {
    seen += count;
    if (seen >= rank) return after.minMs * 10 ** ((i + 1) / after.perDecade);
  }
  return Number.NaN;
}

export interface NetWorkloadCounters {
  sent: number;
  answered: number;
  /** Requests without an answer within the deadline. */
  lost: number;
  /** Requests from others this guest answered. */
  served: number;
}

export const MAX_REPORTED_FAILURES = 16;

interface Base {
  v: typeof WIRE_VERSION;
  instance: number;
}

export type GuestReport =
  | (Base & { kind: typeof GuestReportKind.booted; domid: number })
  | (Base & { kind: typeof GuestReportKind.heartbeat })
  | (Base & { kind: typeof GuestReportKind.devices; devices: DeviceStatus[] })
  | (Base & { kind: typeof GuestReportKind.workload; block?: BlockWorkloadCounters; net?: NetWorkloadCounters });

/** Report contents without the envelope: what a guest hands to its reporter. */
export type GuestReportBody = GuestReport extends infer R ? (R extends Base ? Omit<R, keyof Base> : never) : never;

export function encodeGuestReport(instance: number, body: GuestReportBody): Uint8Array {
  return encodeMessage({ v: WIRE_VERSION, instance, ...body });
}

/** A report of this wire version and a known kind; anything else is `undefined`. */
export function decodeGuestReport(data: Uint8Array): GuestReport | undefined {
  const report = decodeMessage<GuestReport>(data);
  return report !== undefined && Object.values<string>(GuestReportKind).includes(report.kind) && typeof report.instance === 'number' ? report : undefined;
}
