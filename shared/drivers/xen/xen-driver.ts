import { createHash } from 'node:crypto';
import { GUEST_ROLE, parseGuestConfig } from '../../guest/guest-config.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { InstanceHandle, InstanceSpec, ServiceDriver, Snapshot } from '../driver.js';
import { AddressPool } from './address-pool.js';
import { assertReachableBroker } from './broker-address.js';
import { writeDomainConfig } from './domain-config-file.js';
import { DomainDeaths } from './domain-deaths.js';
import { instanceDomainName } from './domain-names.js';
import { XenSnapshotStaleError } from './errors.js';
import { DriverDomains } from './driver-domains.js';
import { GuestDevices } from './guest-devices.js';
import { identityEntries } from './identity.js';
import { isDriverDomain, serviceDomainConfig, type ServiceDomainImage } from './service-domain-config.js';
import { Templates, type Template, type TemplateSettings } from './templates.js';
import type { XenToolstack } from './toolstack.js';

export interface XenDriverOptions {
  image: ServiceDomainImage;
  /** dom0-only directory for templates, domain configs and service VM disks. */
  stateDir: string;
  /** The dom0 bridge of the control network. */
  bridge?: string;
  /** dom0's address on the bridge, with the prefix: the other addresses go to instances. */
  controlNetwork?: string;
  defaultMemoryMiB?: number;
  vcpus?: number;
  diskSizeBytes?: number;
  templateBootTimeoutMs?: number;
  log?: Logger;
}

/**
 * A service VM's clean snapshot: the template it is restored from (the save file's sha256) and
 * the declared initial state it is given (role and config), as the process driver's digest is of
 * its code and config.
 */
function snapshotDigest(template: Template, spec: InstanceSpec): string {
  return createHash('sha256').update(template.digest).update('\0').update(spec.role).update('\0').update(JSON.stringify(spec.config)).digest('hex');
}

/** The settings every template and instance domain is made with: the options, with their defaults. */
export function templateSettings(options: XenDriverOptions): TemplateSettings {
  return {
    image: options.image,
    stateDir: options.stateDir,
    bridge: options.bridge ?? 'xenbr0',
    defaultMemoryMiB: options.defaultMemoryMiB ?? 192,
    vcpus: options.vcpus ?? 1,
    diskSizeBytes: options.diskSizeBytes ?? 2 ** 30,
    bootTimeoutMs: options.templateBootTimeoutMs ?? 120_000,
  };
}

/** A service VM instance as a domain: no process id in dom0, a domid and a domain name instead. */
export interface XenInstanceHandle extends InstanceHandle {
  domid: number;
  name: string;
}

/**
 * Service VMs as Xen domains. Each service VM has a template (see Templates); each instance, the
 * first included, is the template restored under a name of its own, then given its identity
 * through XenStore (identityEntries). The template is the snapshot: `snapshot` returns it, and
 * `restore` restores the same image `start` did, as long as it is still the one on disk. A
 * guest's disks and vifs are then attached as Xen devices whose back-ends are the driver domains
 * that serve them, and attached again when a service's serving domain changes (GuestDevices).
 */
export class XenDriver implements ServiceDriver {
  readonly kind = 'xen';
  readonly isolation = 'xen-domain';
  readonly sharesStateBetweenInstances = false;
  private readonly templates: Templates;
  private readonly addresses: AddressPool;
  private readonly deaths: DomainDeaths;
  private readonly settings: TemplateSettings;
  /** The live instances of each block and network service: the back-ends of the guests' devices. */
  private readonly driverDomains = new DriverDomains();
  private readonly guestDevices: GuestDevices;

  constructor(
    private readonly xen: XenToolstack,
    options: XenDriverOptions,
  ) {
    this.settings = templateSettings(options);
    this.templates = new Templates(xen, this.settings);
    this.addresses = new AddressPool(options.controlNetwork ?? '10.88.0.1/24');
    this.deaths = new DomainDeaths(xen, options.log ?? silentLogger);
    this.guestDevices = new GuestDevices(xen, this.driverDomains, { readyTimeoutMs: this.settings.bootTimeoutMs, log: options.log ?? silentLogger });
  }

  async start(spec: InstanceSpec): Promise<XenInstanceHandle> {
    assertReachableBroker(spec.natsUrl);
    return this.launch(spec, await this.templates.ensure(spec));
  }

  async snapshot(_handle: InstanceHandle, spec: InstanceSpec): Promise<Snapshot> {
    const { seed: _secret, instance: _instance, standby: _standby, ...rest } = spec;
    const template = await this.templates.ensure(spec);
    const digest = snapshotDigest(template, spec);
    return { id: `${spec.id}@${digest.slice(0, 12)}`, digest, takenAt: template.savedAt, spec: rest };
  }

  async restore(snapshot: Snapshot, instance: number, seed: string, options: { standby?: boolean } = {}): Promise<XenInstanceHandle> {
    const spec: InstanceSpec = { ...snapshot.spec, instance, seed, ...(options.standby ? { standby: true } : {}) };
    assertReachableBroker(spec.natsUrl);
    const template = await this.templates.current(spec);
    const digest = template === undefined ? undefined : snapshotDigest(template, spec);
    if (template === undefined || digest !== snapshot.digest) throw new XenSnapshotStaleError(spec.id, snapshot.digest, digest);
    return this.launch(spec, template);
  }

  async destroy(handle: InstanceHandle): Promise<void> {
    const { name } = handle as XenInstanceHandle;
    await this.xen.destroy(name);
    this.deaths.destroyed(name);
    await handle.exited;
  }

  /** Stops watching for deaths and closes the connection to Xen; call once every instance is gone. */
  async close(): Promise<void> {
    await this.guestDevices.close();
    await this.deaths.stop();
    await this.xen.close();
  }

  private async launch(spec: InstanceSpec, template: Template): Promise<XenInstanceHandle> {
    const name = instanceDomainName(spec.host, spec.id, spec.instance);
    const guest = spec.role === GUEST_ROLE ? parseGuestConfig(spec.config) : undefined;
    const devices = guest === undefined ? undefined : this.guestDevices.plan(guest);
    const { path: cfgPath } = await writeDomainConfig(this.settings.stateDir, name, serviceDomainConfig(spec, name, this.settings), `service VM "${spec.id}"`);
    await this.deaths.start();
    const address = this.addresses.take(name);
    const since = this.deaths.epoch();
    let domid: number;
    try {
      domid = await this.xen.restore(cfgPath, template.file, name);
    } catch (error) {
      this.addresses.release(name);
      throw error;
    }
    const exited = this.deaths.follow(name, domid, since);
    void exited.then(() => this.addresses.release(name));
    const handle: XenInstanceHandle = { id: spec.id, instance: spec.instance, pid: undefined, exited, domid, name };
    try {
      await this.xen.write(identityEntries(spec, domid, address));
      if (devices !== undefined) await this.guestDevices.attach(name, devices);
    } catch (error) {
      await this.destroy(handle);
      throw error;
    }
    if (guest !== undefined) this.guestDevices.follow(name, guest, exited);
    if (isDriverDomain(spec.role)) {
      this.changeDriverDomains(spec.id, () => this.driverDomains.add(spec.id, spec.instance, { name, domid, dir: spec.writePaths[0] }));
      void exited.then(() => this.changeDriverDomains(spec.id, () => this.driverDomains.remove(spec.id, spec.instance)));
    }
    return handle;
  }

  /** Makes a change to a service's driver domains; if it changes the serving one, the guests' devices it serves move there. */
  private changeDriverDomains(serviceId: string, change: () => void): void {
    const before = this.driverDomains.serving(serviceId);
    change();
    const after = this.driverDomains.serving(serviceId);
    if (after !== undefined && after !== before) this.guestDevices.moveTo(serviceId, after);
  }
}
