import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs } from '../shared/bus/connect.js';
import { request } from '../shared/bus/rpc.js';
import { SupervisorOp, subjects } from '../shared/bus/subjects.js';
import { loadPolicy } from '../shared/policy/load-policy.js';
import { Supervisor } from '../services/supervisor/supervisor.js';
import { eventually, readHostAudit, type TestHost, writePolicy } from './support/test-host.js';

/**
 * Two tenants share the block backend `blk`; `blk2` stands by for globex. Applying a policy in
 * which `blk` serves acme only moves globex's guest off it: the runtime grant that wired db's disk
 * to `blk` is revoked at the broker, while every other connection and service VM stays as it was.
 */
function sharedBackends(policy: Record<string, any>): void {
  policy['tenants'] = [{ id: 'acme' }, { id: 'globex' }];
  policy['guests'] = [
    { id: 'web', tenant: 'acme', memory: '128MiB', disks: [{ vdev: 'xvda', size: '1GiB' }] },
    { id: 'db', tenant: 'globex', memory: '128MiB', disks: [{ vdev: 'xvda', size: '1GiB', backend: 'blk' }] },
  ];
  for (const service of policy['services']) if (service.role !== 'builder') delete service['restart'];
  const services = policy['services'] as Array<Record<string, any>>;
  (services.find((s) => s['id'] === 'blk') as Record<string, any>)['serves'] = 'all';
  services.push({ id: 'blk2', role: 'block', serves: { tenants: ['globex'] } });
}

function globexMovedToBlk2(policy: Record<string, any>): void {
  sharedBackends(policy);
  const services = policy['services'] as Array<Record<string, any>>;
  (services.find((s) => s['id'] === 'blk') as Record<string, any>)['serves'] = { tenants: ['acme'] };
  (services.find((s) => s['id'] === 'net') as Record<string, any>)['restart'] = { every: '1s' };
  policy['guests'][1].disks[0].backend = 'blk2';
}

const diskOf = (guest: string, service: string) => ({ guest, service, device: { kind: 'vbd', id: 'xvda' } });

describe('applying a policy to a running host', () => {
  let host: TestHost;
  let dir: string;
  let builder: NatsConnection;
  let web: NatsConnection;
  let db: NatsConnection;
  const connect = (principal: string) => {
    const { url, seed } = host.supervisor.credentialsOf(principal);
    return connectAs({ url, principal, seed, name: `test-${principal}` });
  };
  const grant = (payload: unknown) => request(builder, subjects.supervisor('fast', SupervisorOp.grantIssue, 'builder'), payload);
  /** A guest request the broker lets through reaches no responder (the backend serves none yet); a refused one is never answered. */
  const reaches = (nc: NatsConnection, guest: string, service: string) =>
    request(nc, subjects.rpcForGuest('fast', service, guest, 'read'), null, 1_000).then(
      () => true,
      (error: Error) => /no responders/.test(error.message),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xoar-apply-'));
    const policy = await loadPolicy(writePolicy(dir, sharedBackends));
    const supervisor = await Supervisor.start({ policy, stateRoot: dir });
    await supervisor.booted;
    host = { supervisor, stateRoot: dir, dispose: () => supervisor.stop() };
    [builder, web, db] = await Promise.all([connect('builder'), connect('web'), connect('db')]);
  });
  afterAll(async () => {
    await Promise.all([builder, web, db].map((nc) => nc?.close().catch(() => undefined)));
    await host?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a guest its backend only once the builder wires it, and refuses and records a grant outside the policy', async () => {
    expect(await reaches(db, 'db', 'blk')).toBe(false);
    await expect(grant(diskOf('web', 'blk'))).resolves.toEqual({ granted: true });
    await expect(grant(diskOf('db', 'blk'))).resolves.toEqual({ granted: true });
    await expect(grant(diskOf('web', 'blk2'))).rejects.toMatchObject({ code: 'grant-outside-policy' });
    expect(await reaches(web, 'web', 'blk')).toBe(true);
    expect(await reaches(db, 'db', 'blk')).toBe(true);
    expect(await reaches(web, 'db', 'blk')).toBe(false);

    const records = await readHostAudit(host);
    expect(records.filter((r) => r.kind === 'grant-issued').map((r) => [r.component, r.data['guest'], r.data['service']])).toEqual([
      ['builder', 'web', 'blk'],
      ['builder', 'db', 'blk'],
    ]);
    const refused = records.find((r) => r.kind === 'violation' && r.data['op'] === SupervisorOp.grantIssue);
    expect(refused?.component).toBe('builder');
    expect(String(refused?.data['reason'])).toContain('served by "blk", not "blk2"');
    expect(records.filter((r) => r.kind === 'dependency').map((r) => r.data)).toEqual([
      { guest: 'web', service: 'blk', via: 'device', edge: 'start' },
      { guest: 'db', service: 'blk', via: 'device', edge: 'start' },
    ]);
  });

  it('revokes the sharing it no longer allows at the broker, refused and recorded, and leaves every other connection and service VM alone', async () => {
    const before = host.supervisor.status().services.map(({ id, instance, pid }) => ({ id, instance, pid }));
    const applied = await host.supervisor.applyPolicy(writePolicy(mkdtempSync(join(dir, 'v2-')), globexMovedToBlk2), 'operator');

    expect(applied.grantsRevoked).toEqual([{ ...diskOf('db', 'blk'), issuedBy: 'builder', reason: 'the policy has db\'s vbd xvda served by "blk2", not "blk"' }]);
    expect(applied.rescheduled).toEqual(['net']);
    expect(host.supervisor.status().grants).toEqual([{ ...diskOf('web', 'blk'), issuedBy: 'builder' }]);

    expect(await reaches(db, 'db', 'blk')).toBe(false);
    expect(await reaches(web, 'web', 'blk')).toBe(true);
    await expect(grant(diskOf('db', 'blk2'))).resolves.toEqual({ granted: true });
    expect(await reaches(db, 'db', 'blk2')).toBe(true);
    expect([web.isClosed(), db.isClosed(), builder.isClosed()]).toEqual([false, false, false]);

    const after = host.supervisor.status().services.filter((s) => s.id !== 'net' && s.id !== 'builder').map(({ id, instance, pid }) => ({ id, instance, pid }));
    expect(after).toEqual(before.filter((s) => s.id !== 'net' && s.id !== 'builder'));
    await eventually(() => ((host.supervisor.status().services.find((s) => s.id === 'net')?.restarts ?? 0) > 0 ? true : undefined), 'net to roll back on its new 1 s timer');

    const records = await eventually(async () => {
      const all = await readHostAudit(host);
      return all.some((r) => r.kind === 'violation' && r.component === 'db') ? all : undefined;
    }, "db's refused request to be recorded");
    const revoked = records.find((r) => r.kind === 'grant-revoked');
    expect(revoked?.component).toBe('supervisor');
    expect(revoked?.data).toMatchObject({ guest: 'db', service: 'blk', issuedBy: 'builder' });
    expect(records.find((r) => r.kind === 'violation' && r.component === 'db')?.data).toMatchObject({ operation: 'publish', subject: subjects.rpcForGuest('fast', 'blk', 'db', 'read') });
    const appliedAt = records.findIndex((r) => r.kind === 'policy-applied');
    expect(records[appliedAt]?.component).toBe('operator');
    expect(records.slice(appliedAt).some((r) => r.kind === 'violation' && r.component === 'web')).toBe(false);
    expect(records.filter((r) => r.kind === 'dependency').map((r) => r.data).slice(2)).toEqual([
      { guest: 'db', service: 'blk', via: 'device', edge: 'stop' },
      { guest: 'db', service: 'blk2', via: 'device', edge: 'start' },
    ]);
  });

  it('applies nothing of a policy that needs a restart, and says what and why', async () => {
    const policyBefore = host.supervisor.policy;
    const file = writePolicy(mkdtempSync(join(dir, 'v3-')), (policy) => {
      globexMovedToBlk2(policy);
      policy['services'] = policy['services'].filter((s: { id: string }) => s.id !== 'blk2');
      policy['guests'][1].disks = [];
      policy['services'][6].devices = ['0000:00:05.0'];
    });
    await expect(host.supervisor.applyPolicy(file, 'operator')).rejects.toMatchObject({ code: 'policy-needs-restart', message: expect.stringMatching(/blk2/) });
    expect(host.supervisor.policy).toBe(policyBefore);
    expect(host.supervisor.status().grants).toHaveLength(2);
  });

  it('applies nothing of an invalid policy', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "version": 1, "host": { "name": "fast" }, "services": [] }');
    await expect(host.supervisor.applyPolicy(file, 'operator')).rejects.toMatchObject({ code: 'policy-invalid' });
    expect(host.supervisor.status().grants).toHaveLength(2);
  });
});
