import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditChainHeadError, AuditLog } from '../../shared/audit/audit-log.js';
import type { AuditRecord } from '../../shared/audit/audit-record.js';
import { auditorRules } from '../../shared/audit/auditor-permissions.js';
import { loadCheckpointedIndex, Rebuilt } from '../../shared/audit/index-checkpoint.js';
import { readAudit } from '../../shared/audit/read-audit.js';
import { verifyChain } from '../../shared/audit/verify-chain.js';
import { createPrincipalKey } from '../../shared/broker/credentials.js';
import { type NatsServer, startNatsServer } from '../../shared/broker/nats-server.js';
import { connectAs } from '../../shared/bus/connect.js';
import { auditStreamName, subjects } from '../../shared/bus/subjects.js';
import { toPermissions } from '../../shared/policy/compile-permissions.js';

const HOSTS = ['intact', 'deleted', 'forged', 'garbage', 'checkpointed'];

describe('tampering with a real audit stream is detected', () => {
  const supervisor = createPrincipalKey('supervisor');
  const auditor = createPrincipalKey('auditor');
  let dir: string;
  let server: NatsServer;
  let privileged: NatsConnection;
  let reader: NatsConnection;

  const verify = async (host: string) => verifyChain(await readAudit(reader, host, { keepUnreadable: true }));
  async function fiveRecords(host: string): Promise<AuditRecord[]> {
    const log = await AuditLog.open(privileged, host);
    for (const cause of ['timer', 'timer', 'operator', 'crash', 'timer']) await log.append('rollback', 'blk', { cause });
    return readAudit(reader, host);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xoar-audit-tamper-'));
    const everything = { publish: { allow: ['>'] }, subscribe: { allow: ['>'] } };
    const auditors = HOSTS.map((host) => toPermissions(auditorRules(host)));
    const auditorPermissions = {
      publish: { allow: auditors.flatMap((p) => p.publish.allow), deny: auditors.flatMap((p) => p.publish.deny ?? []) },
      subscribe: { allow: ['_INBOX.auditor.>'] },
    };
    server = await startNatsServer({
      dir,
      authorization: {
        principals: [
          { name: supervisor.name, nkey: supervisor.publicKey, permissions: everything },
          { name: auditor.name, nkey: auditor.publicKey, permissions: auditorPermissions },
        ],
      },
    });
    privileged = await connectAs({ url: server.url, principal: supervisor.name, seed: supervisor.seed });
    reader = await connectAs({ url: server.url, principal: auditor.name, seed: auditor.seed });
  });
  afterAll(async () => {
    await reader.close();
    await privileged.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an intact log verifies, and a restarted writer continues its chain', async () => {
    await fiveRecords('intact');
    const restarted = await AuditLog.open(privileged, 'intact');
    await restarted.append('host', 'supervisor', { event: 'booting' });
    const records = await readAudit(reader, 'intact');
    expect(records.map((r) => [r.seq, r.n])).toEqual([1, 2, 3, 4, 5, 6].map((i) => [i, i]));
    expect(verifyChain(records)).toMatchObject({ ok: true, records: 6, head: { n: 6 } });
  });

  it('the auditor reads but can neither delete nor append', async () => {
    const jsm = await jetstreamManager(reader);
    await expect(jsm.streams.deleteMessage(auditStreamName('intact'), 1)).rejects.toThrow();
    await expect(jetstream(reader).publish(subjects.audit('intact', 'rollback'), new Uint8Array(), { timeout: 1_000 })).rejects.toThrow();
    expect((await readAudit(reader, 'intact')).length).toBe(6);
  });

  it('a message deleted through the JetStream API shows as a gap, named at the record after it', async () => {
    await fiveRecords('deleted');
    await (await jetstreamManager(privileged)).streams.deleteMessage(auditStreamName('deleted'), 3);
    expect(await verify('deleted')).toMatchObject({ ok: false, records: 4, problem: { fault: 'removed', seq: 4, n: 4, message: expect.stringMatching(/^n 3 is missing before the record at stream seq 4/) } });
  });

  it('a forged copy of an earlier record published on the audit subject is named as inserted', async () => {
    const [, second] = await fiveRecords('forged');
    const { seq: _seq, ...forged } = { ...(second as AuditRecord), data: { cause: 'operator' } };
    const published = await jetstream(privileged).publish(subjects.audit('forged', 'rollback'), new TextEncoder().encode(JSON.stringify(forged)));
    expect(await verify('forged')).toMatchObject({
      ok: false,
      problem: { fault: 'inserted', seq: published.seq, n: 2, message: expect.stringContaining('position n 2 is already taken by the record at stream seq 2') },
    });
  });

  it('a message that is no audit record is named, and the writer refuses to continue after it', async () => {
    await fiveRecords('garbage');
    await jetstream(privileged).publish(subjects.audit('garbage', 'host'), new TextEncoder().encode('not an audit record'));
    expect(await verify('garbage')).toMatchObject({ ok: false, problem: { fault: 'unchained', seq: 6, n: null } });
    await expect(AuditLog.open(privileged, 'garbage')).rejects.toThrow(AuditChainHeadError);
  });

  it('an index checkpoint goes on from its last record, and is rebuilt when the stream changed under it', async () => {
    const file = join(dir, 'audit-index.json');
    await fiveRecords('checkpointed');
    expect(await loadCheckpointedIndex(reader, 'checkpointed', file)).toMatchObject({ rebuilt: Rebuilt.noCheckpoint, index: { head: { seq: 5, n: 5 } } });
    await (await AuditLog.open(privileged, 'checkpointed')).append('rollback', 'blk', { cause: 'timer' });
    expect(await loadCheckpointedIndex(reader, 'checkpointed', file)).toMatchObject({ rebuilt: null, index: { head: { seq: 6, n: 6 } } });
    await (await jetstreamManager(privileged)).streams.delete(auditStreamName('checkpointed'));
    await (await AuditLog.open(privileged, 'checkpointed')).append('host', 'supervisor', { event: 'booting' });
    expect(await loadCheckpointedIndex(reader, 'checkpointed', file)).toMatchObject({ rebuilt: Rebuilt.streamChanged, index: { head: { seq: 1, n: 1 } } });
  });
});
