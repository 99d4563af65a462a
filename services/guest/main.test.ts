import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceSpec } from '../../shared/drivers/driver.js';
import { ProcessDriver } from '../../shared/drivers/process/process-driver.js';
import { subjects } from '../../shared/bus/subjects.js';
import type { GuestConfig } from '../../shared/guest/guest-config.js';
import { decodeGuestReport } from '../../shared/guest/guest-report.js';
import type { GuestReport } from '../../shared/guest/guest-report.js';
import { type GuestBroker, HOST, SUPERVISOR, startGuestBroker } from './testing/guest-broker.js';

const GUEST = 'web';
const config: GuestConfig = { id: 'web', domid: 5, tenant: 'acme', disks: [], vifs: [], workload: null };

/** The guest program as the supervisor runs it: built (dist/), through the process driver. */
describe('the guest process', () => {
  let dir: string;
  let broker: GuestBroker;
  let supervisor: NatsConnection;
  let driver: ProcessDriver;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-guest-main-'));
    broker = await startGuestBroker(join(dir, 'broker'), { [GUEST]: config.domid });
    supervisor = await broker.connect(SUPERVISOR);
    driver = new ProcessDriver({ logDir: join(dir, 'logs') });
  });
  afterAll(async () => {
    driver.close();
    await supervisor.close();
    await broker.server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const spec = (guestConfig: unknown): InstanceSpec => ({
    host: HOST,
    id: GUEST,
    role: 'guest',
    instance: 1,
    natsUrl: broker.server.url,
    seed: broker.seedOf(GUEST),
    heartbeatMs: 50,
    config: guestConfig as Record<string, unknown>,
    readPaths: [],
    writePaths: [],
  });

  it('joins the bus with its own credentials, reports booted with its domain, then heartbeats', async () => {
    const reports: GuestReport[] = [];
    const twoHeartbeats = new Promise<void>((resolve) => {
      supervisor.subscribe(subjects.guestStatus(HOST, GUEST), {
        callback: (_error, msg) => {
          const report = decodeGuestReport(msg.data);
          if (report !== undefined) reports.push(report);
          if (reports.filter((seen) => seen.kind === 'heartbeat').length === 2) resolve();
        },
      });
    });
    await supervisor.flush();
    const handle = await driver.start(spec(config));
    await twoHeartbeats;
    await driver.destroy(handle);

    expect(reports[0]).toEqual({ v: 1, kind: 'booted', instance: 1, domid: 5 });
    expect(reports.find((report) => report.kind === 'devices')).toEqual({ v: 1, kind: 'devices', instance: 1, devices: [] });
  });

  it('exits 1, saying why, with a config that is not a guest config', async () => {
    const handle = await driver.start(spec({ ...config, domid: 'five' }));
    expect(await handle.exited).toEqual({ code: 1, signal: null, detail: 'guest failed: the guest config at /domid must be a whole number' });
  });
});
