/**
 * A real nats-server for guest tests, with the permissions a running host gives: guests wired by
 * runtime grants to a block and a network backend (about themselves only), the backends serving
 * any guest and delivering frames, and a supervisor reading guests' reports.
 */
import type { Permissions } from '../../../shared/broker/authorization.js';
import { createPrincipalKey } from '../../../shared/broker/credentials.js';
import type { PrincipalKey } from '../../../shared/broker/credentials.js';
import { startNatsServer } from '../../../shared/broker/nats-server.js';
import type { NatsServer } from '../../../shared/broker/nats-server.js';
import { connectAs } from '../../../shared/bus/connect.js';
import { subjects } from '../../../shared/bus/subjects.js';

export const HOST = 'test';
export const BLOCK_BACKEND = 'blk-a';
export const NETWORK_BACKEND = 'net-a';
export const SUPERVISOR = 'supervisor';

export interface GuestBroker {
  server: NatsServer;
  /** Connects as a principal: a guest, a backend or the supervisor. */
  connect(principal: string): ReturnType<typeof connectAs>;
  /** A principal's nkey seed, to hand to a process. */
  seedOf(principal: string): string;
}

function guestPermissions(guest: string, domid: number): Permissions {
  return {
    publish: { allow: [subjects.rpcForGuestAll(HOST, BLOCK_BACKEND, guest), subjects.rpcForGuestAll(HOST, NETWORK_BACKEND, guest), subjects.guestStatus(HOST, guest), subjects.xenstoreRequestsOf(HOST, domid)] },
    subscribe: { allow: [subjects.inboxAll(guest), subjects.guestFramesAll(HOST, guest), subjects.xenstoreEventsOf(HOST, domid), subjects.xenstoreUp(HOST)] },
  };
}

/** `guests`: each guest's domain id, by guest id. */
export async function startGuestBroker(dir: string, guests: Readonly<Record<string, number>>): Promise<GuestBroker> {
  const keys = new Map<string, PrincipalKey>([...Object.keys(guests), BLOCK_BACKEND, NETWORK_BACKEND, SUPERVISOR].map((name) => [name, createPrincipalKey(name)]));
  const permissions = (name: string): Permissions => {
    const domid = guests[name];
    if (domid !== undefined) return guestPermissions(name, domid);
    if (name === SUPERVISOR) return { publish: { allow: [] }, subscribe: { allow: [subjects.allGuestStatus(HOST), subjects.inboxAll(name)] } };
    const frames = name === NETWORK_BACKEND ? Object.keys(guests).map((guest) => subjects.guestFramesAll(HOST, guest)) : [];
    return { publish: { allow: frames }, subscribe: { allow: [subjects.rpcForAnyGuest(HOST, name), subjects.inboxAll(name)] }, allowResponses: true };
  };
  const server = await startNatsServer({
    dir,
    authorization: { principals: [...keys.values()].map((key) => ({ name: key.name, nkey: key.publicKey, permissions: permissions(key.name) })) },
  });
  const seedOf = (principal: string) => {
    const key = keys.get(principal);
    if (key === undefined) throw new Error(`no principal ${principal}`);
    return key.seed;
  };
  return {
    server,
    seedOf,
    connect: (principal) => connectAs({ url: server.url, principal, seed: seedOf(principal), reconnect: false }),
  };
}
