import type { NatsConnection } from '@nats-io/transport-node';
import { createActor } from 'xstate';
import type { Actor } from 'xstate';
import { subjects } from '../../shared/bus/subjects.js';
import type { InstanceBootstrap } from '../../shared/drivers/driver.js';
import { describeError } from '../../shared/errors/xoar-error.js';
import type { GuestConfig } from '../../shared/guest/guest-config.js';
import { GuestReportKind, encodeGuestReport } from '../../shared/guest/guest-report.js';
import type { DeviceStatus, GuestReportBody } from '../../shared/guest/guest-report.js';
import type { Logger } from '../../shared/log/logger.js';
import { DeviceKind } from '../../shared/policy/live-grants.js';
import { xenbusPaths } from '../../shared/xenbus/device-paths.js';
import { frontendMachine } from '../../shared/xenbus/frontend-machine.js';
import type { XenbusConnection } from '../../shared/xenbus/xenbus-connection.js';
import { BlockClient } from './block-client.js';
import type { BlockClientOptions } from './block-client.js';
import { BlockWorkload } from './block-workload.js';
import { NetProbe } from './net-probe.js';
import { VifClient } from './vif-client.js';

/** What a front-end writes for its backend before Initialised: the transport it speaks. */
const FRONTEND_DETAILS = { protocol: 'xoar-bus-1' } as const;

/** Workload counters go to the supervisor at most this often. */
export const WORKLOAD_REPORT_MS = 1_000;

export interface GuestOptions {
  nc: NatsConnection;
  spec: Pick<InstanceBootstrap, 'host' | 'id' | 'instance' | 'heartbeatMs'>;
  config: GuestConfig;
  /** XenStore as the guest's own domain. */
  openXenbus: () => Promise<XenbusConnection>;
  log: Logger;
  /** How the disks' front-ends retry (tests shorten it). */
  blockRetry?: Pick<BlockClientOptions, 'timeoutMs' | 'backoff'>;
}

export interface RunningGuest {
  readonly blockWorkload: BlockWorkload | undefined;
  /** One a vif, in order; the first runs the net workload. */
  readonly netProbes: readonly NetProbe[];
  stop(): Promise<void>;
}

interface Link {
  connect(): void;
  disconnect(): void;
}

/**
 * A guest's life once it is on the bus: it reports `booted`, heartbeats, opens XenStore as its
 * domain, brings up a front-end for each disk and vif (reporting which are connected), answers
 * network probes addressed to it, and runs its workload, reporting the counters every second.
 */
export async function startGuest(options: GuestOptions): Promise<RunningGuest> {
  const { nc, spec, config, log } = options;
  const report = (body: GuestReportBody) => nc.publish(subjects.guestStatus(spec.host, spec.id), encodeGuestReport(spec.instance, body));
  report({ kind: GuestReportKind.booted, domid: config.domid });
  const heartbeat = setInterval(() => report({ kind: GuestReportKind.heartbeat }), spec.heartbeatMs);
  const xenbus = await options.openXenbus();

  const devices: DeviceStatus[] = [];
  const reportDevices = () => report({ kind: GuestReportKind.devices, devices });
  const frontends: Actor<typeof frontendMachine>[] = [];
  const attach = (kind: DeviceKind, devid: number, link: Link) => {
    const status: DeviceStatus = { kind, devid, connected: false };
    devices.push(status);
    const dir = xenbusPaths.frontend(config.domid, kind, devid);
    const frontend = createActor(frontendMachine, { input: { xenbus, dir, details: FRONTEND_DETAILS } });
    const linkUp = (connected: boolean) => {
      if (connected) link.connect();
      else link.disconnect();
      status.connected = connected;
      reportDevices();
    };
    frontend.on('connected', () => linkUp(true));
    frontend.on('disconnected', () => linkUp(false));
    frontend.subscribe({
      next: (snapshot) => {
        if (snapshot.matches('failed')) log.error('front-end failed', { dir, reason: snapshot.context.failure });
      },
      error: (error) => log.error('front-end lost XenStore', { dir, error: describeError(error) }),
    });
    frontends.push(frontend);
  };

  const disks = new Map<string, BlockClient>();
  for (const disk of config.disks) {
    const client = new BlockClient({ nc, subject: subjects.rpcForGuest(spec.host, disk.backend, spec.id, `vbd.${disk.devid}`), ...options.blockRetry });
    disks.set(disk.vdev, client);
    attach(DeviceKind.vbd, disk.devid, client);
  }
  const vifs: VifClient[] = [];
  const netProbes: NetProbe[] = [];
  for (const vif of config.vifs) {
    const probe = new NetProbe({ send: (frame) => client.send(frame) }, vif.mac);
    const client = new VifClient({ nc, host: spec.host, guest: spec.id, backend: vif.backend, devid: vif.devid, onFrame: (frame) => probe.receive(frame) });
    vifs.push(client);
    netProbes.push(probe);
    attach(DeviceKind.vif, vif.devid, client);
  }
  for (const frontend of frontends) frontend.start();
  reportDevices();

  const { block, net } = config.workload ?? {};
  const blockClient = block && disks.get(block.vdev);
  const blockWorkload = block && blockClient ? new BlockWorkload(blockClient, block) : undefined;
  blockWorkload?.run().catch((error: unknown) => log.error('block workload stopped', { error: describeError(error) }));
  if (net !== undefined) netProbes[0]?.start(net.peerMac, net.intervalMs);
  const workloadCounters = (): GuestReportBody => ({
    kind: GuestReportKind.workload,
    ...(blockWorkload === undefined ? {} : { block: blockWorkload.snapshot() }),
    ...(net === undefined || netProbes[0] === undefined ? {} : { net: netProbes[0].snapshot() }),
  });
  const workloadReport = config.workload === null ? undefined : setInterval(() => report(workloadCounters()), WORKLOAD_REPORT_MS);
  log.info('guest running', { domid: config.domid, disks: config.disks.length, vifs: config.vifs.length });

  return {
    blockWorkload,
    netProbes,
    async stop() {
      clearInterval(heartbeat);
      clearInterval(workloadReport);
      const stopped = blockWorkload?.stop();
      for (const client of disks.values()) client.close();
      await stopped;
      for (const probe of netProbes) probe.stop();
      for (const client of vifs) client.close();
      for (const frontend of frontends) frontend.stop();
      await xenbus.close();
    },
  };
}
