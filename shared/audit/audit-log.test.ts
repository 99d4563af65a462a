import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrincipalKey } from '../broker/credentials.js';
import { type NatsServer, startNatsServer } from '../broker/nats-server.js';
import { connectAs } from '../bus/connect.js';
import { AuditLog, readAudit } from './audit-log.js';

describe('the audit log', () => {
  const writer = createPrincipalKey('supervisor');
  let dir: string;
  let server: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xoar-audit-'));
    const everything = { publish: { allow: ['>'] }, subscribe: { allow: ['>'] } };
    server = await startNatsServer({ dir, authorization: { principals: [{ name: writer.name, nkey: writer.publicKey, permissions: everything }] } });
    nc = await connectAs({ url: server.url, principal: writer.name, seed: writer.seed });
  });
  afterAll(async () => {
    await nc.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores appends in call order, each acknowledged with its stream sequence', async () => {
    const log = await AuditLog.open(nc, 'h');
    const sequences = await Promise.all([
      log.append('lifecycle', 'blk', { from: 'running', to: 'rollingBack' }),
      log.append('rollback', 'blk', { cause: 'timer' }),
      log.append('lifecycle', 'blk', { from: 'rollingBack', to: 'running' }),
    ]);
    expect(sequences).toEqual([1, 2, 3]);
    const records = await readAudit(nc, 'h');
    expect(records.map((r) => [r.seq, r.kind, r.component])).toEqual([
      [1, 'lifecycle', 'blk'],
      [2, 'rollback', 'blk'],
      [3, 'lifecycle', 'blk'],
    ]);
    expect(records[1]).toMatchObject({ v: 1, host: 'h', data: { cause: 'timer' } });
  });

  it('keeps what was written when the log is opened again, and reads one kind', async () => {
    const reopened = await AuditLog.open(nc, 'h');
    await reopened.append('violation', 'blk', { subject: 'x' });
    expect((await readAudit(nc, 'h')).length).toBe(4);
    expect((await readAudit(nc, 'h', { kinds: ['rollback'] })).map((r) => r.seq)).toEqual([2]);
  });

  it('reads an empty log as no records', async () => {
    await AuditLog.open(nc, 'empty');
    expect(await readAudit(nc, 'empty')).toEqual([]);
  });
});
