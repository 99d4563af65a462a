/**
 * Wire types between service VMs and the supervisor. Every message carries `v` (the wire
 * version); a receiver rejects versions it does not know rather than guessing.
 */
export const WIRE_VERSION = 1;

export const StatusKind = {
  booted: 'booted',
  initialized: 'initialized',
  heartbeat: 'heartbeat',
  /** A disposable service finished its job. */
  done: 'done',
  /** A standby was told to serve and has joined its service's queue group (make before break). */
  activated: 'activated',
  /** An instance told to drain has left the queue group and answered every request it held. */
  drained: 'drained',
  /** The instance's recovery box changed; `box` holds it (validated only when it is handed over). */
  box: 'box',
  /** The instance refused something a principal it serves did (a spoofed frame): `refusal` says what. */
  refusal: 'refusal',
  /** The requests the instance accepted since its last such report, per sender: `requests`. */
  requests: 'requests',
} as const;
export type StatusKind = (typeof StatusKind)[keyof typeof StatusKind];

/** Published by a service VM on its own `serviceStatus` subject. */
export interface StatusReport {
  v: typeof WIRE_VERSION;
  kind: StatusKind;
  instance: number;
  /** With `box`: the recovery box as the instance wrote it (untrusted). */
  box?: unknown;
  /** With `refusal`: what was refused, naming the `guest` it came from (as the instance saw it). */
  refusal?: Record<string, unknown>;
  /** With `requests`: per sender, how many requests and the times of the first and the last. */
  requests?: AcceptedRequests[];
}

/** What a service accepted from one principal since its last `requests` report (times in ms). */
export interface AcceptedRequests {
  from: string;
  first: number;
  last: number;
  count: number;
}

export const ControlKind = {
  /** Finish in-flight work, then exit 0. */
  stop: 'stop',
  /** To one standby (`instance`): take the recovery box (`box`, validated; null: start clean) and join the queue group. */
  activate: 'activate',
  /** To one instance: leave the queue group, answer what it holds, report `drained`. */
  drain: 'drain',
} as const;
export type ControlKind = (typeof ControlKind)[keyof typeof ControlKind];

/** Published by the supervisor on a service VM's `serviceControl` subject. */
export interface ControlCommand {
  v: typeof WIRE_VERSION;
  kind: ControlKind;
  /** The instance the command is for (activate, drain); the others ignore it. */
  instance?: number;
  /** With `activate`: the recovery box handed over, already validated by the supervisor. */
  box?: unknown;
}

/** The reply to every request on the bus: a result, or an error a caller can act on. */
export type Reply<T> = { v: typeof WIRE_VERSION; ok: true; result: T } | { v: typeof WIRE_VERSION; ok: false; error: { code: string; message: string; hint?: string } };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeMessage(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses a message and checks its wire version; anything else is `undefined`. */
export function decodeMessage<T extends { v: number }>(data: Uint8Array): T | undefined {
  try {
    const value = JSON.parse(decoder.decode(data)) as unknown;
    if (typeof value === 'object' && value !== null && (value as { v?: unknown }).v === WIRE_VERSION) {
      return value as T;
    }
  } catch {
    // not JSON: treated like an unknown version
  }
  return undefined;
}
