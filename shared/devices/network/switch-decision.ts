import type { FrameProblem } from './ethernet-frame.js';
import type { MacAddress } from './mac-address.js';

export const RefusalReason = {
  unknownPort: 'unknown-port',
  malformed: 'malformed',
  spoofedSource: 'spoofed-source',
  rateExceeded: 'rate-exceeded',
} as const;
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];

/** Why a frame was not forwarded, with what the audit record needs. */
export type Refusal =
  /** From a port the switch does not have (its vif has disconnected). */
  | { reason: typeof RefusalReason.unknownPort; port: string }
  | { reason: typeof RefusalReason.malformed; port: string; guest: string; problem: FrameProblem; length: number }
  /** The guest sent as an address other than its own. */
  | { reason: typeof RefusalReason.spoofedSource; port: string; guest: string; claimed: MacAddress; assigned: MacAddress }
  | { reason: typeof RefusalReason.rateExceeded; port: string; guest: string; length: number };

/** What to do with a frame a port sent: deliver `frame` to each port of `to` (none, for a frame to its own sender), or nothing. */
export type SwitchDecision = { action: 'deliver'; frame: Uint8Array; to: readonly string[] } | { action: 'refuse'; refusal: Refusal };
