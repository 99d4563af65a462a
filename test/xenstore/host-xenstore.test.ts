import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs } from '../../shared/bus/connect.js';
import { subjects } from '../../shared/bus/subjects.js';
import { serviceDomid } from '../../shared/policy/domids.js';
import { XenstoreBusClient } from '../../shared/xenstore/bus-client.js';
import { connectSocketChannel } from '../../shared/xenstore/socket-channel.js';
import { XenstoreClient } from '../../shared/xenstore/xenstore-client.js';
import { bootTestHost, eventually, readHostAudit, type TestHost } from '../support/test-host.js';
import { run } from './support/served-xenstore.js';
import { errnoOf } from './support/errno-of.js';

let host: TestHost;
let socket: string;

beforeAll(async () => {
  host = await bootTestHost((policy) => {
    policy['xenstore'] = { quotas: { nodes: 6, watches: 2 } };
    // The kill -9 rollbacks below are crashes: leave room for them in the crash budget.
    policy['restartBudget'] = { ...policy['restartBudget'], maxRestarts: 20 };
  });
  socket = host.supervisor.status().xenstore?.socket ?? '';
}, 60_000);
afterAll(() => host?.dispose());

const dom0 = async () => new XenstoreClient(await connectSocketChannel(socket));

function serviceOf(id: string) {
  const status = host.supervisor.status().services.find((service) => service.id === id);
  if (status === undefined) throw new Error(`no service ${id}`);
  return status;
}

/** Rolls a service back (by the operator, or by kill -9) and waits until a new instance runs. */
async function rollBack(id: string, how: 'operator' | 'kill'): Promise<void> {
  const before = serviceOf(id);
  if (how === 'operator') await host.supervisor.restart(id);
  else process.kill(before.pid as number, 'SIGKILL');
  await eventually(() => {
    const now = serviceOf(id);
    return now.state === 'running' && now.instance > before.instance ? now : undefined;
  }, `${id} running again after a rollback`);
}

describe('XenStore on a host: Logic and State as service VMs', () => {
  it('serves xenstore-utils, unchanged, on the socket that host status names', async () => {
    expect(socket).toMatch(/xenstored\/socket$/);
    const env = { ...process.env, XENSTORED_PATH: socket };
    expect((await run('xenstore-write', ['/tools/a', 'one', '/tools/b', 'two'], env)).code).toBe(0);
    expect((await run('xenstore-read', ['/tools/a'], env)).stdout).toBe('one\n');
    expect((await run('xenstore-list', ['/tools'], env)).stdout).toBe('a\nb\n');
    expect((await run('xenstore-chmod', ['/tools/b', 'n0', 'r5'], env)).code).toBe(0);
    expect((await run('xenstore-ls', ['-p', '/tools'], env)).stdout).toMatch(/^b = "two"[ .]*\(n0,r5\)$/m);
    expect((await run('xenstore-rm', ['/tools/a'], env)).code).toBe(0);
    expect((await run('xenstore-exists', ['/tools/a'], env)).code).not.toBe(0);
  });

  it('keeps acknowledged writes through kill -9 of XenStore-State and of XenStore-Logic', async () => {
    const client = await dom0();
    try {
      await client.write('/durable/value', 'acknowledged');
      await rollBack('xs-state', 'kill');
      expect(await client.read('/durable/value')).toBe('acknowledged');
      const logicPid = serviceOf('xs-logic').pid as number;
      process.kill(logicPid, 'SIGKILL');
      // Sent while no Logic instance serves: answered by the next one, not lost, not hung.
      expect(await client.read('/durable/value')).toBe('acknowledged');
    } finally {
      await client.close();
    }
  });

  it('loses nothing acknowledged and hangs no client while XenStore-Logic is rolled back under load', async () => {
    let stop = false;
    const acknowledged = new Map<string, string>();
    const unexpected: string[] = [];
    let committedIncrements = 0;
    let writesAcknowledged = 0;
    let watchEvents = 0;

    const writer = async (name: string) => {
      const client = await dom0();
      for (let n = 0; !stop; n += 8) {
        await Promise.all(
          Array.from({ length: 8 }, async (_, i) => {
            const path = `/load/${name}/k${(n + i) % 40}`;
            const value = `${n + i}`;
            const outcome = await errnoOf(client.write(path, value));
            if (outcome === 'OK') {
              acknowledged.set(path, value);
              writesAcknowledged++;
            }
            else unexpected.push(`${name} WRITE ${path}: ${outcome}`);
          }),
        );
      }
      await client.close();
    };
    const incrementer = async (name: string) => {
      const client = await dom0();
      while (!stop) {
        const tx = await client.startTransaction();
        const current = await client.read('/load/counter', tx).catch(() => '0');
        await client.write('/load/counter', String(Number(current) + 1), tx);
        const outcome = await errnoOf(client.endTransaction(tx, true));
        if (outcome === 'OK') committedIncrements++;
        else if (outcome !== 'EAGAIN') unexpected.push(`${name} TRANSACTION_END: ${outcome}`);
      }
      await client.close();
    };
    const watcherChannel = await connectSocketChannel(socket, () => watchEvents++);
    const watcher = new XenstoreClient(watcherChannel);
    await watcher.watch('/load/w0', 'load');

    const load = Promise.all([writer('w0'), writer('w1'), incrementer('t0'), incrementer('t1')]);
    const progress = () => ({ writes: writesAcknowledged, increments: committedIncrements });
    for (let i = 0; i < 10; i++) {
      // Each instance serves a while (every client gets through) before it is rolled back.
      const before = progress();
      await eventually(() => (progress().writes > before.writes + 16 && progress().increments > before.increments ? true : undefined), 'the clients making progress');
      await rollBack('xs-logic', i % 2 === 0 ? 'operator' : 'kill');
    }
    stop = true;
    await load;

    expect(unexpected).toEqual([]);
    const check = await dom0();
    try {
      for (const [path, value] of acknowledged) expect(await check.read(path), path).toBe(value);
      expect(Number(await check.read('/load/counter'))).toBe(committedIncrements);
      expect(committedIncrements).toBeGreaterThan(0);
      const eventsBefore = watchEvents;
      await check.write('/load/w0/after', 'x');
      await eventually(() => (watchEvents > eventsBefore ? true : undefined), 'a watch event after the rollbacks');
    } finally {
      await check.close();
      await watcher.close();
    }
  }, 120_000);
});

describe('XenStore over the bus as an unprivileged domain', () => {
  let nc: NatsConnection;
  let blk: XenstoreClient;
  let domid: number;

  beforeAll(async () => {
    domid = serviceDomid(host.supervisor.policy, 'blk');
    const admin = await dom0();
    await admin.write(`/local/domain/${domid}`, '');
    await admin.setPermissions(`/local/domain/${domid}`, [`n${domid}`]);
    await admin.write('/local/domain/0/secret', 'dom0 only');
    await admin.write('/shared/config', 'readable');
    await admin.setPermissions('/shared/config', ['n0', `r${domid}`]);
    await admin.close();
    const { url, seed } = host.supervisor.credentialsOf('blk');
    nc = await connectAs({ url, principal: 'blk', seed, name: 'blk-as-a-domain' });
    blk = new XenstoreClient(await XenstoreBusClient.open({ nc, host: host.supervisor.policy.host.name, domid, giveUpAfterMs: 5_000 }));
  });
  afterAll(async () => {
    await blk?.close();
    await nc?.close();
  });

  it('reads and writes what the permissions allow and nothing else', async () => {
    expect(await errnoOf(blk.write(`/local/domain/${domid}/data`, 'mine'))).toBe('OK');
    expect(await blk.read('data')).toBe('mine');
    expect(await blk.read('/shared/config')).toBe('readable');
    expect(await errnoOf(blk.write('/shared/config', 'changed'))).toBe('EACCES');
    expect(await errnoOf(blk.read('/local/domain/0/secret'))).toBe('EACCES');
    expect(await errnoOf(blk.write('/local/domain/0/planted', 'x'))).toBe('EACCES');
    expect(await errnoOf(blk.write('/elsewhere', 'x'))).toBe('EACCES');
  });

  it('changes permissions only on nodes it owns', async () => {
    await blk.write(`/local/domain/${domid}/public`, 'p');
    expect(await errnoOf(blk.setPermissions(`/local/domain/${domid}/public`, [`n${domid}`, 'r0']))).toBe('OK');
    expect(await blk.permissions(`/local/domain/${domid}/public`)).toEqual([`n${domid}`, 'r0']);
    expect(await errnoOf(blk.setPermissions('/shared/config', [`b${domid}`]))).toBe('EACCES');
  });

  it('is held to the quotas of the policy: nodes (ENOSPC) and watches (E2BIG)', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) outcomes.push(await errnoOf(blk.write(`/local/domain/${domid}/n${i}`, 'x')));
    expect(outcomes).toContain('ENOSPC');
    expect(outcomes.slice(outcomes.indexOf('ENOSPC'))).toEqual(outcomes.slice(outcomes.indexOf('ENOSPC')).map(() => 'ENOSPC'));
    expect(await errnoOf(blk.watch('data', 'a'))).toBe('OK');
    expect(await errnoOf(blk.watch('public', 'b'))).toBe('OK');
    expect(await errnoOf(blk.watch('n0', 'c'))).toBe('E2BIG');
  });

  it('cannot speak as another domain: the broker refuses it and the refusal is recorded', async () => {
    const forged = subjects.xenstoreRequest(host.supervisor.policy.host.name, 0, 'forged');
    await expect(nc.request(forged, new Uint8Array([1]), { timeout: 1_000 })).rejects.toThrow();
    const violation = await eventually(async () => (await readHostAudit(host)).find((record) => record.kind === 'violation' && record.component === 'blk' && record.data['subject'] === forged), 'the violation in the audit log');
    expect(violation.data['operation']).toBe('publish');
    expect(await blk.read('data')).toBe('mine');
  });
});
