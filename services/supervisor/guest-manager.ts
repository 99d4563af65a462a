import { createActor, fromPromise, waitFor, type Actor } from 'xstate';
import type { Clock } from '../../shared/clock.js';
import type { InstanceHandle, InstanceSpec, ServiceDriver } from '../../shared/drivers/driver.js';
import type { GuestConfig, GuestWorkload } from '../../shared/guest/guest-config.js';
import type { CreatedGuest } from '../../shared/guest/guest-ops.js';
import { decodeGuestReport, GuestReportKind, type GuestReport } from '../../shared/guest/guest-report.js';
import { type DestroyGuestInput, guestMachine, type StartGuestInput } from '../../shared/lifecycle/guest-machine.js';
import { statePath } from '../../shared/lifecycle/state-path.js';
import { serviceDomid } from '../../shared/policy/domids.js';
import { servicesServing } from '../../shared/policy/sharing.js';
import { type HostPolicy, Role } from '../../shared/policy/types.js';
import { vbdDevid } from '../../shared/xenbus/vbd-devid.js';
import { GuestExistsError, GuestNotFoundError, GuestNotInPolicyError, GuestStartFailedError } from './errors.js';
import type { GuestStatus } from './host-status.js';
import { startWaitMs } from './start-wait.js';
import { watchInstanceExit } from './watch-instance.js';

export interface GuestManagerOptions {
  driver: ServiceDriver;
  clock: Clock;
  /** The policy in force (it may change while guests run). */
  policy(): HostPolicy;
  /** What the guest's process starts with. */
  specOf(config: GuestConfig): InstanceSpec;
}

interface GuestEntry {
  config: GuestConfig;
  builtBy: string;
  createdAt: Date;
  actor: Actor<typeof guestMachine> | undefined;
  /** The last workload and devices it reported. */
  last: { devices?: Extract<GuestReport, { kind: 'devices' }>['devices']; workload?: Omit<Extract<GuestReport, { kind: 'workload' }>, 'v' | 'instance' | 'kind'> };
}

/**
 * The guests of a host, as the hypervisor side keeps them: `create` gives a policy guest a domain
 * id (its devices are then wired by the builder), `start` runs it as its own process under a guest
 * lifecycle machine, `destroy` ends it. Domain ids come after the service VMs' and are never reused
 * while the host runs.
 */
export class GuestManager {
  private readonly guests = new Map<string, GuestEntry>();
  private nextDomid: number;

  constructor(private readonly options: GuestManagerOptions) {
    this.nextDomid = options.policy().services.length + 1;
  }

  /** Every guest that exists, with its domain id: the live state the broker's permissions follow. */
  live(): ReadonlyMap<string, number> {
    return new Map([...this.guests].map(([id, entry]) => [id, entry.config.domid]));
  }

  create(builder: string, guest: string, workload: GuestWorkload | null): CreatedGuest {
    if (this.guests.has(guest)) throw new GuestExistsError(guest, this.guests.get(guest)?.config.domid ?? 0);
    const config = this.configOf(guest, this.nextDomid, workload);
    this.nextDomid += 1;
    this.guests.set(guest, { config, builtBy: builder, createdAt: new Date(), actor: undefined, last: {} });
    return { domid: config.domid, config };
  }

  /** Runs the guest's process; resolves once it has booted, or throws why it did not (and forgets it). */
  async start(guest: string): Promise<{ guest: string; domid: number; pid: number | null }> {
    const entry = this.entryOf(guest);
    if (entry.actor !== undefined) return { guest, domid: entry.config.domid, pid: entry.actor.getSnapshot().context.handle?.pid ?? null };
    const { policy, clock } = this.options;
    const actor = createActor(this.machine(entry.config), { clock, input: { id: guest, domid: entry.config.domid, watchdog: policy().watchdog, clock } });
    entry.actor = actor;
    actor.start();
    actor.send({ type: 'create' });
    const settled = await waitFor(actor, (snapshot) => snapshot.matches('running') || snapshot.status === 'done', { timeout: startWaitMs(this.options.policy().watchdog) });
    if (settled.status === 'done') throw new GuestStartFailedError(guest, settled.context.failure ?? settled.context.crash?.cause ?? String(settled.value));
    return { guest, domid: entry.config.domid, pid: settled.context.handle?.pid ?? null };
  }

  /** Ends the guest's process and forgets it; answers what it was, and who built it. */
  async destroy(guest: string): Promise<CreatedGuest & { builtBy: string }> {
    const entry = this.entryOf(guest);
    const { actor } = entry;
    if (actor !== undefined) {
      actor.send({ type: 'destroy' });
      await waitFor(actor, (snapshot) => snapshot.status === 'done', { timeout: startWaitMs(this.options.policy().watchdog) });
    }
    this.guests.delete(guest);
    return { domid: entry.config.domid, config: entry.config, builtBy: entry.builtBy };
  }

  async destroyAll(): Promise<void> {
    await Promise.all([...this.guests.keys()].map((guest) => this.destroy(guest).catch(() => undefined)));
  }

  /** A report from a guest: the subject says which (only it may publish there). */
  route(guest: string, data: Uint8Array): void {
    const entry = this.guests.get(guest);
    const report = decodeGuestReport(data);
    if (entry?.actor === undefined || report === undefined) return;
    if (report.kind === GuestReportKind.booted) entry.actor.send({ type: 'guest.booted' });
    else if (report.kind === GuestReportKind.heartbeat) entry.actor.send({ type: 'guest.heartbeat' });
    else if (report.kind === GuestReportKind.devices) entry.last.devices = report.devices;
    else {
      const { v: _v, instance: _instance, kind: _kind, ...counters } = report;
      entry.last.workload = counters;
    }
  }

  status(): GuestStatus[] {
    const policy = this.options.policy();
    return policy.guests.map((guest) => {
      const entry = this.guests.get(guest.id);
      const snapshot = entry?.actor?.getSnapshot();
      return {
        id: guest.id,
        tenant: guest.tenant,
        state: entry === undefined ? 'defined' : snapshot === undefined ? 'created' : statePath(snapshot.value).split('.')[0] ?? '',
        domid: entry?.config.domid ?? null,
        pid: snapshot?.context.handle?.pid ?? null,
        toolstack: servicesServing(policy, guest.id, Role.toolstack)[0] ?? null,
        builtBy: entry?.builtBy ?? null,
        createdAt: entry?.createdAt.toISOString() ?? null,
        devices: entry?.last.devices ?? [],
        workload: entry?.last.workload ?? null,
        crash: snapshot?.context.crash ?? null,
      };
    });
  }

  private entryOf(guest: string): GuestEntry {
    const entry = this.guests.get(guest);
    if (entry === undefined) throw new GuestNotFoundError(guest, [...this.guests.keys()]);
    return entry;
  }

  private configOf(guest: string, domid: number, workload: GuestWorkload | null): GuestConfig {
    const policy = this.options.policy();
    const declared = policy.guests.find((candidate) => candidate.id === guest);
    if (declared === undefined) throw new GuestNotInPolicyError(guest, policy.guests.map((candidate) => candidate.id));
    return {
      id: guest,
      domid,
      tenant: declared.tenant,
      disks: declared.disks.map((disk) => ({ vdev: disk.vdev, devid: vbdDevid(disk.vdev), backend: disk.backend, backendDomid: serviceDomid(policy, disk.backend), sizeBytes: disk.sizeBytes })),
      vifs: declared.vifs.map((vif, index) => ({
        mac: vif.mac,
        devid: index,
        backend: vif.backend,
        backendDomid: serviceDomid(policy, vif.backend),
        ...(vif.rateBitsPerSecond === undefined ? {} : { rateBitsPerSecond: vif.rateBitsPerSecond }),
      })),
      workload,
    };
  }

  private machine(config: GuestConfig) {
    const { driver, specOf } = this.options;
    return guestMachine.provide({
      actors: {
        startGuest: fromPromise<InstanceHandle, StartGuestInput>(() => driver.start(specOf(config))),
        destroyGuest: fromPromise<void, DestroyGuestInput>(({ input }) => driver.destroy(input.handle)),
        watchInstance: watchInstanceExit,
      },
    });
  }
}
