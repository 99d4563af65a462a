import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { subjects } from '../../shared/bus/subjects.js';
import { WORKLOAD_BLOCK_BYTES } from '../../shared/guest/guest-config.js';
import type { GuestConfig } from '../../shared/guest/guest-config.js';
import { decodeGuestReport } from '../../shared/guest/guest-report.js';
import type { GuestReport } from '../../shared/guest/guest-report.js';
import { silentLogger } from '../../shared/log/logger.js';
import { domainHome, vbdEntries, vifEntries } from '../../shared/xenbus/device-entries.js';
import { harnessXenbus } from '../../shared/xenbus/testing/harness-xenbus.js';
import { vbdDevid } from '../../shared/xenbus/vbd-devid.js';
import { writeDirectories } from '../../shared/xenbus/write-directories.js';
import { LogicHarness } from '../../shared/xenstore/testing/logic-harness.js';
import { blockContent } from './block-pattern.js';
import { type RunningGuest, startGuest } from './guest.js';
import { BLOCK_BACKEND, type GuestBroker, HOST, NETWORK_BACKEND, SUPERVISOR, startGuestBroker } from './testing/guest-broker.js';
import { type BackendInstance, startBlockBackend, startNetworkBackend } from './testing/test-backends.js';
import { until } from './testing/until.js';

const WEB = { id: 'web', domid: 5, mac: '00:16:3e:00:00:05' };
const DB = { id: 'db', domid: 6, mac: '00:16:3e:00:00:06' };
const BLOCK_DOMID = 2;
const NETWORK_DOMID = 3;
const DISK_BYTES = 1 << 20;
const REGION_BLOCKS = 64;

function webConfig(): GuestConfig {
  return {
    id: WEB.id,
    domid: WEB.domid,
    tenant: 'acme',
    disks: [{ vdev: 'xvda', devid: vbdDevid('xvda'), backend: BLOCK_BACKEND, backendDomid: BLOCK_DOMID, sizeBytes: DISK_BYTES }],
    vifs: [{ mac: WEB.mac, devid: 0, backend: NETWORK_BACKEND, backendDomid: NETWORK_DOMID }],
    workload: { block: { vdev: 'xvda', regionBlocks: REGION_BLOCKS, concurrency: 8 }, net: { peerMac: DB.mac, intervalMs: 20 } },
  };
}

const dbConfig: GuestConfig = {
  id: DB.id,
  domid: DB.domid,
  tenant: 'globex',
  disks: [],
  vifs: [{ mac: DB.mac, devid: 0, backend: NETWORK_BACKEND, backendDomid: NETWORK_DOMID }],
  workload: null,
};

describe('a guest on a real bus, XenStore and block backend', () => {
  let dir: string;
  let broker: GuestBroker;
  let xenbus: ReturnType<typeof harnessXenbus>;
  const cleanup: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-guest-'));
    broker = await startGuestBroker(join(dir, 'broker'), { [WEB.id]: WEB.domid, [DB.id]: DB.domid });
    xenbus = harnessXenbus(await LogicHarness.open());
    const dom0 = await xenbus(0);
    await writeDirectories(dom0.client, [domainHome(WEB.domid), domainHome(DB.domid), domainHome(BLOCK_DOMID), domainHome(NETWORK_DOMID)]);
    const disk = vbdEntries({ guest: WEB.domid, guestName: WEB.id, backend: BLOCK_DOMID, vdev: 'xvda', params: 'web-xvda', sizeBytes: DISK_BYTES });
    const vifs = [WEB, DB].map((guest) => vifEntries({ guest: guest.domid, guestName: guest.id, backend: NETWORK_DOMID, index: 0, mac: guest.mac }));
    await writeDirectories(dom0.client, [disk.frontend, disk.backend, ...vifs.flatMap((vif) => [vif.frontend, vif.backend])]);
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await broker.server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const blockBackend = async () => {
    const instance = await startBlockBackend({ broker, xenbus: await xenbus(BLOCK_DOMID), domid: BLOCK_DOMID, imageDir: dir });
    cleanup.push(() => instance.kill());
    return instance;
  };
  const networkBackend = async () => {
    const instance = await startNetworkBackend({ broker, xenbus: await xenbus(NETWORK_DOMID), domid: NETWORK_DOMID });
    cleanup.push(() => instance.kill());
    return instance;
  };
  const guest = async (id: string, config: GuestConfig): Promise<RunningGuest> => {
    const nc = await broker.connect(id);
    const running = await startGuest({
      nc,
      spec: { host: HOST, id, instance: 1, heartbeatMs: 50 },
      config,
      openXenbus: () => xenbus(config.domid),
      log: silentLogger,
      blockRetry: { timeoutMs: 250, backoff: { initialMs: 2, maxMs: 40 } },
    });
    cleanup.push(async () => {
      await running.stop();
      await nc.close();
    });
    return running;
  };
  /** Every report the supervisor receives from guests, by guest. */
  const supervisor = async () => {
    const nc: NatsConnection = await broker.connect(SUPERVISOR);
    cleanup.push(() => nc.close());
    const reports = new Map<string, GuestReport[]>();
    nc.subscribe(subjects.allGuestStatus(HOST), {
      callback: (_error, msg) => {
        const report = decodeGuestReport(msg.data);
        const guest = msg.subject.split('.')[3] ?? '';
        if (report !== undefined) reports.set(guest, [...(reports.get(guest) ?? []), report]);
      },
    });
    await nc.flush();
    return reports;
  };
  const image = async () => {
    const file = await open(join(dir, 'web-xvda.img'));
    cleanup.push(() => file.close());
    return async (offset: number) => {
      const block = new Uint8Array(WORKLOAD_BLOCK_BYTES);
      await file.read(block, 0, WORKLOAD_BLOCK_BYTES, offset);
      return block;
    };
  };

  it('runs verified block I/O and vif traffic through backend rollbacks, every acknowledged write intact', async () => {
    const reports = await supervisor();
    let block: BackendInstance = await blockBackend();
    let network: BackendInstance = await networkBackend();
    await guest(DB.id, dbConfig);
    const web = await guest(WEB.id, webConfig());
    const workload = web.blockWorkload!;
    const probe = web.netProbes[0]!;
    const progressed = (since: { writesAcked: number; readsVerified: number }, answered: number) => {
      const now = workload.snapshot();
      return now.writesAcked >= since.writesAcked + 30 && now.readsVerified >= since.readsVerified + 30 && probe.snapshot().answered >= answered + 3;
    };
    await until(() => progressed({ writesAcked: 0, readsVerified: 0 }, 0));

    // Both backends roll back in the middle of the load, three times: hung (requests run, their
    // replies are lost; the first time for longer than the guest's request timeout), then killed,
    // then a fresh instance takes the devices over through xenbus. The load goes on after each.
    for (const hungMs of [300, 0, 0]) {
      block.hang();
      network.hang();
      await sleep(hungMs);
      await block.kill();
      await network.kill();
      const before = workload.snapshot();
      const answered = probe.snapshot().answered;
      block = await blockBackend();
      network = await networkBackend();
      await until(() => progressed(before, answered));
    }
    await until(() => reports.get(WEB.id)?.some((report) => report.kind === 'workload') === true);
    await workload.stop();

    expect(workload.snapshot()).toMatchObject({ verificationFailures: 0, failures: [] });

    const readBlock = await image();
    const acknowledged = workload.acknowledged();
    expect(acknowledged.size).toBeGreaterThan(0);
    for (let index = 0; index < REGION_BLOCKS; index++) {
      const offset = index * WORKLOAD_BLOCK_BYTES;
      const seq = acknowledged.get(offset);
      expect(await readBlock(offset), `block at ${offset}`).toEqual(seq === undefined ? new Uint8Array(WORKLOAD_BLOCK_BYTES) : blockContent(offset, seq));
    }

    // The guest told the supervisor it booted, heartbeat, and saw each front-end drop and reconnect.
    const webReports = reports.get(WEB.id) ?? [];
    expect(webReports[0]).toEqual({ v: 1, kind: 'booted', instance: 1, domid: WEB.domid });
    expect(webReports.some((report) => report.kind === 'heartbeat')).toBe(true);
    const disk = webReports.flatMap((report) => (report.kind === 'devices' ? [report.devices.find((device) => device.kind === 'vbd')?.connected] : []));
    expect(disk.filter((connected, index) => connected !== disk[index - 1])).toEqual([false, true, false, true, false, true, false, true]);
    const workloadReport = webReports.findLast((report) => report.kind === 'workload');
    expect(workloadReport).toMatchObject({ block: { verificationFailures: 0 }, net: { sent: expect.any(Number) } });
  });
});
