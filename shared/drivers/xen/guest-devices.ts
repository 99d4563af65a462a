import type { GuestConfig } from '../../guest/guest-config.js';
import { describeError } from '../../errors/xoar-error.js';
import type { Logger } from '../../log/logger.js';
import { awaitDomainState } from './domain-state.js';
import type { DriverDomain, DriverDomains } from './driver-domains.js';
import { XenDriverDomainNotReadyError } from './errors.js';
import { guestVbds, type GuestVbd } from './guest-disks.js';
import { guestVifs, type GuestVif } from './guest-vifs.js';
import type { XenToolstack } from './toolstack.js';

/** A guest's devices on the driver domains serving when it was planned. */
export interface GuestDevicePlan {
  vbds: GuestVbd[];
  vifs: GuestVif[];
}

/** /init's state once a driver domain's back-end drivers are loaded and its `xl devd` runs. */
const RUNNING = 'running';

/**
 * The Xen devices of live guests, on the driver domains that serve them. A guest's devices are
 * attached once it has its identity. When the serving domain of a block or network service
 * changes (its instance rolled back), the devices it served are attached again to the new one
 * once it runs `xl devd`: their back-end died with the old domain, so each stale device is
 * detached from the guest first, and its front-end then meets a new back-end.
 */
export class GuestDevices {
  private readonly live = new Map<string, GuestConfig>();
  private readonly moving = new Set<Promise<void>>();
  private closed = false;
  private endWaits!: (error: Error) => void;
  private readonly closing = new Promise<never>((_, reject) => (this.endWaits = reject));

  constructor(
    private readonly xen: XenToolstack,
    private readonly driverDomains: DriverDomains,
    private readonly options: { readyTimeoutMs: number; log: Logger },
  ) {
    this.closing.catch(() => undefined);
  }

  /** The guest's devices on the given serving domains (by default those serving now); throws for one whose service runs as no driver domain. */
  plan(config: GuestConfig, servingOf = (id: string) => this.driverDomains.serving(id)): GuestDevicePlan {
    return { vbds: guestVbds(config, servingOf), vifs: guestVifs(config, servingOf) };
  }

  /** Attaches the planned devices to the guest's domain `name`: each disk's size told to its driver domain first. */
  async attach(name: string, plan: GuestDevicePlan): Promise<void> {
    for (const vbd of plan.vbds) await this.attachDisk(name, vbd);
    for (const vif of plan.vifs) await this.xen.attachNic(name, vif.settings);
  }

  /** Keeps the guest's devices on the serving driver domains until `exited` settles. */
  follow(name: string, config: GuestConfig, exited: Promise<unknown>): void {
    this.live.set(name, config);
    void exited.finally(() => this.live.delete(name));
  }

  /** `domain` now serves `serviceId`: the live guests' devices that service serves move there. */
  moveTo(serviceId: string, domain: DriverDomain): void {
    if (this.closed) return;
    const move = this.move(serviceId, domain).finally(() => this.moving.delete(move));
    this.moving.add(move);
  }

  /** Ends the moves under way (a move waiting for its domain gives up) and waits for them. */
  async close(): Promise<void> {
    this.closed = true;
    this.endWaits(new Error('the xen driver is closing'));
    await Promise.all(this.moving);
  }

  private async move(serviceId: string, domain: DriverDomain): Promise<void> {
    const guests = [...this.live].filter(([, config]) => [...config.disks, ...config.vifs].some((device) => device.backend === serviceId));
    if (guests.length === 0) return;
    const { readyTimeoutMs, log } = this.options;
    try {
      await awaitDomainState(this.xen, domain.domid, RUNNING, {
        timeoutMs: readyTimeoutMs,
        timedOut: (last) => new XenDriverDomainNotReadyError(domain.name, readyTimeoutMs, last),
        ended: this.closing,
      });
    } catch (error) {
      if (!this.closed) log.error("cannot attach guests' devices again", { service: serviceId, domain: domain.name, error: describeError(error) });
      return;
    }
    for (const [name, config] of guests) {
      if (this.live.has(name)) await this.moveGuest(name, config, serviceId, domain);
    }
  }

  private async moveGuest(name: string, config: GuestConfig, serviceId: string, domain: DriverDomain): Promise<void> {
    let plan: GuestDevicePlan;
    try {
      // The moved devices go to the domain that was waited for, even if another serves by now (its own move follows).
      plan = this.plan(config, (id) => (id === serviceId ? domain : this.driverDomains.serving(id)));
    } catch (error) {
      this.options.log.error("cannot attach a guest's devices again", { domain: name, service: serviceId, error: describeError(error) });
      return;
    }
    for (const vbd of plan.vbds.filter((v) => v.service === serviceId)) {
      await this.reattach(name, vbd.vdev, domain, () => this.xen.detachDisk(name, vbd.vdev), () => this.attachDisk(name, vbd));
    }
    for (const vif of plan.vifs.filter((v) => v.service === serviceId)) {
      await this.reattach(name, vif.mac, domain, () => this.xen.detachNic(name, vif.mac), () => this.xen.attachNic(name, vif.settings));
    }
  }

  /** A detach that fails (the device is gone already) does not stop the attach; an attach that fails is logged. */
  private async reattach(name: string, device: string, domain: DriverDomain, detach: () => Promise<void>, attach: () => Promise<void>): Promise<void> {
    const { log } = this.options;
    await detach().catch((error: unknown) => log.warn('cannot detach a stale guest device; attaching it anyway', { domain: name, device, error: describeError(error) }));
    try {
      await attach();
      log.info("guest device attached to its driver domain's new instance", { domain: name, device, backend: domain.name });
    } catch (error) {
      log.error('cannot attach a guest device to its new driver domain', { domain: name, device, backend: domain.name, error: describeError(error) });
    }
  }

  private async attachDisk(name: string, vbd: GuestVbd): Promise<void> {
    // The driver domain's hotplug script creates the image at this size if its block service has not yet.
    await this.xen.write([vbd.size]);
    await this.xen.attachDisk(name, vbd.disk);
  }
}
