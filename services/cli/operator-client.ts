import { readFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../../shared/bus/connect.js';
import { request } from '../../shared/bus/rpc.js';
import { type ControlOp, subjects } from '../../shared/bus/subjects.js';
import type { ToolstackOp } from '../../shared/guest/guest-ops.js';
import type { HostRuntime } from '../supervisor/runtime-file.js';
import { ReservedPrincipal } from '../../shared/policy/principals.js';
import { findHost } from './find-host.js';

export interface HostSelection {
  stateDir: string;
  host: string | undefined;
}

/** Joins a running host's bus as the operator, runs `body`, and leaves. */
export async function withOperator<T>(selection: HostSelection, body: (operator: OperatorClient) => Promise<T>): Promise<T> {
  const runtime = findHost(selection.stateDir, selection.host);
  const seed = readFileSync(runtime.operatorSeedFile, 'utf8').trim();
  const nc = await connectAs({ url: runtime.natsUrl, principal: ReservedPrincipal.operator, seed, name: 'xoar-cli' });
  try {
    return await body(new OperatorClient(nc, runtime));
  } finally {
    await nc.close();
  }
}

export class OperatorClient {
  constructor(
    readonly nc: NatsConnection,
    readonly runtime: HostRuntime,
  ) {}

  control<T>(op: ControlOp, payload: unknown = null, timeoutMs?: number): Promise<T> {
    return request<T>(this.nc, subjects.control(this.runtime.host, op), payload, timeoutMs);
  }

  /** Asks a toolstack to act on one of its guests (the broker lets the operator reach toolstacks this way only). */
  manageGuest<T>(toolstack: string, guest: string, op: ToolstackOp, payload: unknown = null, timeoutMs?: number): Promise<T> {
    return request<T>(this.nc, subjects.rpcForGuest(this.runtime.host, toolstack, guest, op), payload, timeoutMs);
  }
}
