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
