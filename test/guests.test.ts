import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../shared/bus/connect.js';
import { subjects } from '../shared/bus/subjects.js';
import { BlockOperation, encodeBlockRequest } from '../shared/devices/block/block-wire.js';
import { buildFrame } from '../shared/devices/network/ethernet-frame.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestStatus } from '../services/supervisor/host-status.js';
import { connectOperator, createGuest, destroyGuest, MAC_A, MAC_B, withTwoGuests } from './support/guest-host.js';
import { bootTestHost, eventually, isAlive, readHostAudit, type TestHost } from './support/test-host.js';

const ROLLBACKS = 100;

describe('guests end to end', () => {
  let host: TestHost;
  let operator: NatsConnection;
  const guest = (id: string) => host.supervisor.status().guests.find((g) => g.id === id) as GuestStatus;
  const progressed = (id: string, writes: number, answered: number) => {
    const { block, net } = guest(id).workload ?? {};
    return (block?.writesAcked ?? 0) > writes && (net?.answered ?? 0) > answered ? true : undefined;
  };

  beforeAll(async () => {
    host = await bootTestHost(withTwoGuests);
    operator = await connectOperator(host.supervisor);
  });
  afterAll(async () => {
    await operator?.close();
    await host?.dispose();
  });

  it('creates two guests of different tenants through their toolstack: built, wired in XenStore, granted their backends, running', async () => {
    const name = host.supervisor.policy.host.name;
    const a = await createGuest(operator, name, 'a', { block: { vdev: 'xvda', regionBlocks: 64, concurrency: 4 }, net: { peerMac: MAC_B, intervalMs: 20 } });
    const b = await createGuest(operator, name, 'b', { block: { vdev: 'xvda', regionBlocks: 64, concurrency: 4 }, net: { peerMac: MAC_A, intervalMs: 20 } });
    expect(a.domid).not.toBe(b.domid);
    for (const id of ['a', 'b']) {
      await eventually(() => (guest(id).devices.length === 2 && guest(id).devices.every((d) => d.connected) ? true : undefined), `${id}'s devices to connect`);
      await eventually(() => progressed(id, 0, 0), `${id}'s workload to run`);
      expect(guest(id)).toMatchObject({ state: 'running', builtBy: 'builder', toolstack: 'toolstack' });
    }
    expect(host.supervisor.status().grants.map((g) => `${g.guest}:${g.device.kind}->${g.service}`).sort()).toEqual(['a:vbd->blk', 'a:vif->net', 'b:vbd->blk', 'b:vif->net']);
  });

  it('records which service accepted requests from whom: the operator to the toolstack, the toolstack to the builder, each guest to its backends', async () => {
    const accepted = await eventually(async () => {
      const pairs = new Set((await readHostAudit(host)).filter((r) => r.kind === 'request').map((r) => `${String(r.data['from'])}->${r.component}`));
      const expected = ['operator->toolstack', 'toolstack->builder', 'a->blk', 'b->blk', 'a->net', 'b->net'];
      return expected.every((pair) => pairs.has(pair)) ? pairs : undefined;
    }, 'request records for the guests and their creation');
    expect(accepted.has('a->toolstack')).toBe(false);
    const blkFromA = (await readHostAudit(host)).filter((r) => r.kind === 'request' && r.component === 'blk' && r.data['from'] === 'a');
    for (const { data } of blkFromA) expect(Date.parse(String(data['first']))).toBeLessThanOrEqual(Date.parse(String(data['last'])));
    expect(blkFromA.reduce((sum, { data }) => sum + Number(data['count']), 0)).toBeGreaterThan(1);
  });

  it("refuses guest a reading b's disk (at the broker) and sending as b's MAC (at the switch), and records both against a", async () => {
    const name = host.supervisor.policy.host.name;
    const { url, seed } = host.supervisor.credentialsOf('a');
    const a = await connectAs({ url, principal: 'a', seed, name: 'guest-a-hostile' });
    try {
      const read = encodeBlockRequest({ id: 'steal-1', op: BlockOperation.read, offset: 0, length: 4096 });
      await expect(a.request(subjects.rpcForGuest(name, 'blk', 'b', 'vbd.51712'), read, { timeout: 500 })).rejects.toThrow();
      const spoofed = buildFrame({ destination: MAC_A, source: MAC_B, etherType: 0x88b5, payload: new Uint8Array(46) });
      a.publish(subjects.rpcForGuest(name, 'net', 'a', 'vif.0'), spoofed);
      await a.flush();
      const violations = await eventually(async () => {
        const found = (await readHostAudit(host)).filter((r) => r.kind === 'violation' && r.component === 'a');
        return found.length >= 2 ? found : undefined;
      }, "both of a's attempts to be recorded");
      expect(violations.map((r) => r.data)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ operation: 'publish', subject: subjects.rpcForGuest(name, 'blk', 'b', 'vbd.51712') }),
          expect.objectContaining({ reportedBy: 'net', reason: 'spoofed-source', claimed: MAC_B, assigned: MAC_A, guest: 'a' }),
        ]),
      );
      expect(a.isClosed()).toBe(false);
    } finally {
      await a.close();
    }
  });

  it(`rolls both backends back ${ROLLBACKS} times under load: no guest restarted, every verification passes, the load goes on`, async () => {
    const before = ['a', 'b'].map((id) => ({ id, pid: guest(id).pid }));
    for (let i = 0; i < ROLLBACKS; i++) {
      await host.supervisor.restart('blk');
      await host.supervisor.restart('net');
    }
    for (const { id, pid } of before) {
      const { block, net } = guest(id).workload ?? {};
      await eventually(() => progressed(id, block?.writesAcked ?? 0, net?.answered ?? 0), `${id}'s workload to go on after the rollbacks`);
      expect(guest(id)).toMatchObject({ state: 'running', pid });
      expect(isAlive(pid as number)).toBe(true);
      expect(guest(id).workload?.block).toMatchObject({ verificationFailures: 0, failures: [] });
    }
    expect(host.supervisor.status().services.find((s) => s.id === 'blk')?.restarts).toBe(ROLLBACKS);
  }, 180_000);

  it('destroys a guest through its toolstack: its process ends and its grants are revoked', async () => {
    const pid = guest('a').pid;
    await destroyGuest(operator, host.supervisor.policy.host.name, 'a');
    expect(guest('a')).toMatchObject({ state: 'defined', domid: null });
    await eventually(() => (isAlive(pid as number) ? undefined : true), "a's process to end");
    expect(host.supervisor.status().grants.map((g) => g.guest)).toEqual(['b', 'b']);
    const records = await readHostAudit(host);
    expect(records.filter((r) => r.kind === 'dependency' && r.data['guest'] === 'a' && r.data['edge'] === 'stop').map((r) => r.data['via']).sort()).toEqual(['builder', 'device', 'device', 'xenstore', 'xenstore']);
  });
});
