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

/** How long building or destroying a guest may take, end to end: its process must start and boot. */
export const GUEST_OP_TIMEOUT_MS = 45_000;

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
