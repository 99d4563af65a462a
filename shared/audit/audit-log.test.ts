import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrincipalKey } from '../broker/credentials.js';
import { type NatsServer, startNatsServer } from '../broker/nats-server.js';
import { connectAs } from '../bus/connect.js';
import { AuditLog, readAudit } from './audit-log.js';
import { type AuditRecord, GENESIS_HASH } from './audit-record.js';
import { recordHash } from './record-hash.js';

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

  it('writes dependency, snapshot and request records through their helpers, chained to the records before', async () => {
    const log = await AuditLog.open(nc, 'helpers');
    await log.appendDependency({ guest: 'g1', service: 'blk', via: 'device', edge: 'start' });
    await log.appendSnapshot('blk', { instance: 1, digest: 'sha256:ab' });
    const accepted = { from: 'toolstack', to: 'builder', first: '2025-01-01T00:00:00.000Z', last: '2025-01-01T00:00:00.800Z', count: 3 };
    await log.appendRequest(accepted);
    const records = await readAudit(nc, 'helpers');
    expect(records.map((r) => [r.n, r.kind, r.component, r.data])).toEqual([
      [1, 'dependency', 'g1', { guest: 'g1', service: 'blk', via: 'device', edge: 'start' }],
      [2, 'snapshot', 'blk', { instance: 1, digest: 'sha256:ab' }],
      [3, 'request', 'builder', accepted],
    ]);
    expect(records[0]?.prev).toBe(GENESIS_HASH);
    expect(records[2]?.prev).toBe(recordHash(records[1] as AuditRecord));
  });

  it('reads an empty log as no records', async () => {
    await AuditLog.open(nc, 'empty');
    expect(await readAudit(nc, 'empty')).toEqual([]);
  });
});
