import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../shared/audit/audit-record.js';
import { connectAs } from '../shared/bus/connect.js';
import { request } from '../shared/bus/rpc.js';
import { SupervisorOp, subjects } from '../shared/bus/subjects.js';
import { bootTestHost, eventually, isAlive, readHostAudit, type TestHost } from './support/test-host.js';

const ORDER = ['boot', 'pci', 'xs-state', 'xs-logic', 'builder', 'toolstack', 'blk', 'net'];

describe('booting a disaggregated host', () => {
  let host: TestHost;
  let records: AuditRecord[];

  beforeAll(async () => {
    host = await bootTestHost();
    // A self-destruct is recorded once the broker has reloaded without the retired service's grants.
    records = await eventually(async () => {
      const read = await readHostAudit(host);
      return read.filter((r) => r.kind === 'self-destruct').length === 2 ? read : undefined;
    }, 'boot and pci to retire and their revocations to be recorded');
  });
  afterAll(() => host?.dispose());

  it('runs every permanent role as its own process and retires boot and pci-config', async () => {
    // The builder rolls back per request (onRequest): it is between two instances for a moment
    // after each ping, such as a new toolstack standby's while it initialises.
    const services = await eventually(() => {
      const all = host.supervisor.status().services;
      return all.every((s) => s.state !== 'rollingBack') ? all : undefined;
    }, 'no service to be between two instances');
    const states = Object.fromEntries(services.map((s) => [s.id, s.state]));
    expect(states).toEqual({ boot: 'destroyed', pci: 'destroyed', 'xs-state': 'running', 'xs-logic': 'running', builder: 'running', toolstack: 'running', blk: 'running', net: 'running' });
    const pids = services.filter((s) => s.state === 'running').map((s) => s.pid);
    expect(new Set(pids).size).toBe(6);
    for (const pid of pids) expect(isAlive(pid as number)).toBe(true);
  });

  it('starts the roles in dependency order, each only after the one before is up', () => {
    const firstCreate = (id: string) => records.findIndex((r) => r.kind === 'lifecycle' && r.component === id && r.data['to'] === 'creating');
    const firstRunning = (id: string) => records.findIndex((r) => r.kind === 'lifecycle' && r.component === id && r.data['to'] === 'running');
    const created = ORDER.map(firstCreate);
    expect(created.every((index) => index >= 0)).toBe(true);
    expect(firstCreate('pci')).toBeGreaterThan(firstRunning('boot'));
    expect(firstCreate('xs-state')).toBeGreaterThan(records.findIndex((r) => r.kind === 'privileged' && r.data['op'] === SupervisorOp.pciAssign));
    expect(firstCreate('xs-logic')).toBeGreaterThan(firstRunning('xs-state'));
    expect(firstCreate('builder')).toBeGreaterThan(firstRunning('xs-logic'));
    expect(firstCreate('toolstack')).toBeGreaterThan(firstRunning('xs-logic'));
    expect(firstCreate('blk')).toBeGreaterThan(Math.max(firstRunning('builder'), firstRunning('toolstack')));
    expect(firstCreate('net')).toBeGreaterThan(Math.max(firstRunning('builder'), firstRunning('toolstack')));
  });

  it('records the PCI assignment PCI Config made, as the policy says', () => {
    const assignment = records.find((r) => r.kind === 'privileged' && r.data['op'] === SupervisorOp.pciAssign);
    expect(assignment?.component).toBe('pci');
    expect(assignment?.data['assignments']).toEqual([
      { bdf: '0000:00:04.0', service: 'blk', class: 0x018000 },
      { bdf: '0000:00:03.0', service: 'net', class: 0x020000 },
    ]);
  });

  it('records each self-destruct with the privileges revoked at that moment', () => {
    const selfDestructs = records.filter((r) => r.kind === 'self-destruct');
    expect(selfDestructs.map((r) => r.component).sort()).toEqual(['boot', 'pci']);
    const boot = selfDestructs.find((r) => r.component === 'boot');
    expect((boot?.data['revoked'] as { publish: string[] }).publish).toContain(subjects.supervisor('fast', SupervisorOp.platformStart, 'boot'));
  });

  it('refuses the retired boot VM its old privilege at the broker, and records it', async () => {
    const { url, seed } = host.supervisor.credentialsOf('boot');
    const before = host.supervisor.status().violations;
    const nc = await connectAs({ url, principal: 'boot', seed });
    await expect(request(nc, subjects.supervisor('fast', SupervisorOp.platformStart, 'boot'), null, 1_000)).rejects.toThrow();
    await nc.close().catch(() => undefined);
    await eventually(() => (host.supervisor.status().violations > before ? true : undefined), 'the violation to be recorded');
    const violations = (await readHostAudit(host)).filter((r) => r.kind === 'violation' && r.component === 'boot');
    expect(violations.map((r) => r.data['subject'])).toContain(subjects.supervisor('fast', SupervisorOp.platformStart, 'boot'));
  });

  it('rolls the block backend back on its 2 s timer', async () => {
    const blk = await eventually(() => host.supervisor.status().services.find((s) => s.id === 'blk' && s.lastRollback?.cause === 'timer'), 'a timed rollback', 15_000);
    expect(blk.instance).toBeGreaterThanOrEqual(2);
    const rollbacks = (await readHostAudit(host)).filter((r) => r.kind === 'rollback' && r.component === 'blk');
    expect(rollbacks[0]?.data).toMatchObject({ cause: 'timer', instance: 2 });
  });

  it('leaves no process behind once stopped', async () => {
    const pids = host.supervisor.status().services.flatMap((s) => (s.pid === null ? [] : [s.pid]));
    await host.supervisor.stop();
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
