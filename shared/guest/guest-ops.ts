import type { GuestConfig } from './guest-config.js';

/** Requests a toolstack serves, each about one guest (`xoar.<host>.rpc.<toolstack>.g.<guest>.<op>`). */
export const ToolstackOp = {
  create: 'create',
  destroy: 'destroy',
} as const;
export type ToolstackOp = (typeof ToolstackOp)[keyof typeof ToolstackOp];

/** Requests the builder serves, each about one guest (`xoar.<host>.rpc.<builder>.g.<guest>.<op>`). */
export const BuilderOp = {
  build: 'build',
  destroy: 'destroy',
} as const;
export type BuilderOp = (typeof BuilderOp)[keyof typeof BuilderOp];

/**
 * How long building or destroying a guest may take, end to end, on a host whose instances may take
 * `startTimeoutMs` to start (the policy's watchdog.startTimeout; seconds for a process, minutes
 * for a domain under emulation): that, plus bus round trips and XenStore wiring.
 */
export function guestOpTimeoutMs(startTimeoutMs: number): number {
  return startTimeoutMs + 35_000;
}

/** What the supervisor answers `vm.create` and `vm.destroy` with: the guest's domain and what it is wired to. */
export interface CreatedGuest {
  domid: number;
  config: GuestConfig;
}

/** What building a guest answers, up to the toolstack and the operator. */
export interface BuiltGuest {
  guest: string;
  domid: number;
}
