import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../../shared/bus/connect.js';
import { request } from '../../shared/bus/rpc.js';
import { subjects } from '../../shared/bus/subjects.js';
import type { GuestWorkload } from '../../shared/guest/guest-config.js';
import { type BuiltGuest, ToolstackOp } from '../../shared/guest/guest-ops.js';
import type { Supervisor } from '../../services/supervisor/supervisor.js';

export const MAC_A = '00:16:3e:00:00:0a';
export const MAC_B = '00:16:3e:00:00:0b';

/**
 * The fast test host with two tenants' guests: `a` (acme) and `b` (globex), each with a 16 MiB disk
 * and a vif, all served by the shared `blk`, `net` and `toolstack`, which never roll back by themselves.
 */
export function withTwoGuests(policy: Record<string, any>): void {
  policy['tenants'] = [{ id: 'acme' }, { id: 'globex' }];
  policy['guests'] = [
    { id: 'a', tenant: 'acme', memory: '64MiB', disks: [{ vdev: 'xvda', size: '16MiB' }], vifs: [{ mac: MAC_A }] },
    { id: 'b', tenant: 'globex', memory: '64MiB', disks: [{ vdev: 'xvda', size: '16MiB' }], vifs: [{ mac: MAC_B }] },
  ];
  for (const service of policy['services'] as Array<Record<string, any>>) {
    if (['blk', 'net', 'toolstack'].includes(service['id'])) {
      service['serves'] = 'all';
      delete service['restart'];
    }
  }
}

/** The operator's connection to a host, as `xoar guest create` makes it. */
export function connectOperator(supervisor: Supervisor, timeoutMs?: number): Promise<NatsConnection> {
  const { url, seed } = supervisor.credentialsOf('operator');
  return connectAs({ url, principal: 'operator', seed, name: 'test-operator', timeoutMs });
}

/** Creates a guest through its toolstack, as `xoar guest create` does; a host whose instances start slowly needs a longer `timeoutMs`. */
export function createGuest(operator: NatsConnection, host: string, guest: string, workload: GuestWorkload | null = null, timeoutMs = 60_000): Promise<BuiltGuest> {
  return request<BuiltGuest>(operator, subjects.rpcForGuest(host, 'toolstack', guest, ToolstackOp.create), { workload }, timeoutMs);
}

export function destroyGuest(operator: NatsConnection, host: string, guest: string, timeoutMs = 30_000): Promise<unknown> {
  return request(operator, subjects.rpcForGuest(host, 'toolstack', guest, ToolstackOp.destroy), null, timeoutMs);
}
