import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs } from '../../shared/bus/connect.js';
import { serviceDomid } from '../../shared/policy/domids.js';
import { XenstoreBusClient } from '../../shared/xenstore/bus-client.js';
import { connectSocketChannel } from '../../shared/xenstore/socket-channel.js';
import { XenstoreClient } from '../../shared/xenstore/xenstore-client.js';
import { bootTestHost, type TestHost } from '../support/test-host.js';
import { errnoOf } from './support/errno-of.js';

const GUEST = 42;

let host: TestHost;
const connections: NatsConnection[] = [];
const clients: XenstoreClient[] = [];

beforeAll(async () => {
  host = await bootTestHost();
}, 60_000);
afterAll(async () => {
  for (const client of clients) await client.close();
  for (const nc of connections) await nc.close();
  await host?.dispose();
});

/** A XenStore client over the bus as service `id`'s domain, with that service's broker credentials. */
async function asDomainOf(id: string): Promise<XenstoreClient> {
  const { url, seed } = host.supervisor.credentialsOf(id);
  const nc = await connectAs({ url, principal: id, seed, name: `${id}-as-a-domain` });
  connections.push(nc);
  const domid = serviceDomid(host.supervisor.policy, id);
  const client = new XenstoreClient(await XenstoreBusClient.open({ nc, host: host.supervisor.policy.host.name, domid, giveUpAfterMs: 5_000 }));
  clients.push(client);
  return client;
}

describe("xenstore.write:/local/domain on a host: the builder's domain writes guests' entries", () => {
  it('lets the builder create /local/domain/<n>/name owned by domain n, and not the block backend', async () => {
    const builder = await asDomainOf('builder');
    const blk = await asDomainOf('blk');
    const dom0 = new XenstoreClient(await connectSocketChannel(host.supervisor.status().xenstore?.socket ?? ''));
    clients.push(dom0);

    await builder.write(`/local/domain/${GUEST}/name`, 'web');
    await builder.setPermissions(`/local/domain/${GUEST}/name`, [`n${GUEST}`]);
    await builder.setPermissions(`/local/domain/${GUEST}`, [`n${GUEST}`]);
    expect(await dom0.permissions(`/local/domain/${GUEST}/name`)).toEqual([`n${GUEST}`]);
    expect(await dom0.read(`/local/domain/${GUEST}/name`)).toBe('web');
    expect(await builder.read(`/local/domain/${GUEST}/name`)).toBe('web');

    expect(await errnoOf(blk.write(`/local/domain/${GUEST + 1}/name`, 'web'))).toBe('EACCES');
    expect(await errnoOf(blk.write(`/local/domain/${GUEST}/name`, 'planted'))).toBe('EACCES');
    expect(await errnoOf(blk.setPermissions(`/local/domain/${GUEST}/name`, [`n${GUEST}`, `b${serviceDomid(host.supervisor.policy, 'blk')}`]))).toBe('EACCES');
    expect(await errnoOf(builder.write('/tool/planted', 'x'))).toBe('EACCES');
    expect(await dom0.read(`/local/domain/${GUEST}/name`)).toBe('web');
  });
});
