import { ControlOp } from '../../../shared/bus/subjects.js';
import { XoarError } from '../../../shared/errors/xoar-error.js';
import type { GuestStatus, HostStatus } from '../../supervisor/host-status.js';
import type { OperatorClient } from '../operator-client.js';

export class UnknownGuestError extends XoarError {
  constructor(host: string, guest: string, known: readonly string[]) {
    super('unknown-guest', `host "${host}" has no guest "${guest}" in its policy`, { hint: known.length === 0 ? 'its policy declares no guests' : `its guests: ${known.join(', ')}` });
  }
}

export class GuestWithoutToolstackError extends XoarError {
  constructor(guest: string) {
    super('guest-without-toolstack', `no toolstack serves guest "${guest}"`, { hint: 'add the guest or its tenant to the "serves" of a toolstack service in the policy' });
  }
}

/** The guest as the host reports it, the toolstack that manages it, and how long managing it may take. */
export async function guestTarget(operator: OperatorClient, guest: string): Promise<{ status: GuestStatus; toolstack: string; timeoutMs: number }> {
  const host = await operator.control<HostStatus>(ControlOp.status);
  const status = host.guests.find((candidate) => candidate.id === guest);
  if (status === undefined) throw new UnknownGuestError(host.host, guest, host.guests.map((candidate) => candidate.id));
  if (status.toolstack === null) throw new GuestWithoutToolstackError(guest);
  return { status, toolstack: status.toolstack, timeoutMs: host.guestOpTimeoutMs };
}
