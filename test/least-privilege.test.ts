import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../shared/bus/connect.js';
import { request } from '../shared/bus/rpc.js';
import { subjects } from '../shared/bus/subjects.js';
import { PING } from '../shared/service/run-service.js';
import { bootTestHost, eventually, readHostAudit, type TestHost } from './support/test-host.js';

/** The test plays a compromised block backend: it holds blk's real credentials and nothing else. */
describe('least privilege at the broker', () => {
  let host: TestHost;
  let blk: NatsConnection;

  beforeAll(async () => {
    host = await bootTestHost((policy) => {
      for (const service of policy['services']) delete service['restart'];
      policy['services'].find((s: { id: string }) => s.id === 'builder')['restart'] = 'onRequest';
    });
    const { url, seed } = host.supervisor.credentialsOf('blk');
    blk = await connectAs({ url, principal: 'blk', seed, name: 'compromised-blk' });
  });
  afterAll(async () => {
    await blk?.close().catch(() => undefined);
    await host?.dispose();
  });

  it('lets blk use what its role is granted: a request to xenstore-logic', async () => {
    await expect(request(blk, subjects.rpc('fast', 'xs-logic', PING), null)).resolves.toMatchObject({ id: 'xs-logic' });
  });

  it('refuses a publish to another service, a forged audit record and a subscription to another service', async () => {
    const refused = [
      { operation: 'publish', subject: subjects.rpc('fast', 'xs-state', 'write') },
      { operation: 'publish', subject: subjects.rpc('fast', 'net', PING) },
      { operation: 'publish', subject: subjects.audit('fast', 'lifecycle') },
      { operation: 'publish', subject: subjects.serviceStatus('fast', 'net') },
      { operation: 'subscribe', subject: subjects.rpcAll('fast', 'xs-logic') },
      { operation: 'subscribe', subject: subjects.inboxAll('toolstack') },
      { operation: 'publish', subject: '$JS.API.STREAM.DELETE.XOAR_AUDIT_FAST' },
    ];
    const errors: string[] = [];
    void (async () => {
      for await (const status of blk.status()) if (status.type === 'error') errors.push(String(status.error));
    })();
    for (const attempt of refused) {
      if (attempt.operation === 'publish') blk.publish(attempt.subject, '{}');
      else blk.subscribe(attempt.subject);
    }
    await blk.flush().catch(() => undefined);

    const violations = await eventually(async () => {
      const recorded = (await readHostAudit(host)).filter((r) => r.kind === 'violation' && r.component === 'blk');
      return recorded.length >= refused.length ? recorded : undefined;
    }, 'every refusal to be recorded');
    expect(violations.map((r) => ({ operation: r.data['operation'], subject: r.data['subject'] }))).toEqual(refused);
    expect(errors.length).toBeGreaterThanOrEqual(refused.length);
    expect(blk.isClosed()).toBe(false);
  });

  it('kept the audit stream intact: nothing blk sent reached it', async () => {
    const records = await readHostAudit(host);
    expect(records.some((r) => JSON.stringify(r).includes('forged'))).toBe(false);
    expect(records.every((r) => r.v === 1 && typeof r.kind === 'string')).toBe(true);
  });
});
