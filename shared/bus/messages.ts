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
} as const;
export type StatusKind = (typeof StatusKind)[keyof typeof StatusKind];

/** Published by a service VM on its own `serviceStatus` subject. */
export interface StatusReport {
  v: typeof WIRE_VERSION;
  kind: StatusKind;
  instance: number;
}

export const ControlKind = {
  /** Finish in-flight work, then exit 0. */
  stop: 'stop',
} as const;
export type ControlKind = (typeof ControlKind)[keyof typeof ControlKind];

/** Published by the supervisor on a service VM's `serviceControl` subject. */
export interface ControlCommand {
  v: typeof WIRE_VERSION;
  kind: ControlKind;
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
