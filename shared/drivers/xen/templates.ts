import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeDomainConfig } from './domain-config-file.js';
import { awaitDomainState } from './domain-state.js';
import { templateDomainName } from './domain-names.js';
import { XenTemplateTimeoutError } from './errors.js';
import { FileDigests } from './file-digests.js';
import { GUEST_ROLE } from '../../guest/guest-config.js';
import { serviceDiskPath, serviceDomainConfig, type ServiceDomainSettings, type ServiceDomainSpec, templateShape } from './service-domain-config.js';
import type { XenToolstack } from './toolstack.js';

/** A clean image of one shape (templateShape): its template domain, saved. Its digest is the save file's sha256. */
export interface Template {
  shape: string;
  file: string;
  digest: string;
  savedAt: number;
}

export interface TemplateSettings extends ServiceDomainSettings {
  /** The size of the disk made for a service VM that keeps files, the first time it starts. */
  diskSizeBytes: number;
  /** How long a template domain may take to boot to `waiting`. */
  bootTimeoutMs: number;
}

export type TemplateSpec = ServiceDomainSpec & { host: string };

/** /init's state once the kernel, node and the service's code are loaded and it waits for an identity. */
const WAITING = 'waiting';

/**
 * Templates, one a shape (memory, own disk or not): a domain booted to `waiting` and saved with
 * `xl save` (`<stateDir>/images/<shape>.save`). Every instance of every service VM of that shape
 * is restored from it and only then given its identity, so the image holds no identity at all:
 * - no seed and no instance number: the file is a credential-free artifact on disk, and no
 *   restored instance can act as another;
 * - no network configuration and no connection: a TCP connection saved in memory would come back
 *   in every instance restored, each resuming the same session with the broker;
 * - nothing the bus ever sent: the image is clean by construction, which is what a rollback
 *   restores.
 * A template boots as an ordinary domU, with a scratch disk of its own where its shape has one,
 * so building it never touches a service's disk. It is built again when what it boots changes:
 * the kernel, the initramfs, the root disk or its xl.cfg (recorded beside it in `<shape>.inputs`).
 */
export class Templates {
  private readonly building = new Map<string, Promise<Template>>();
  private readonly digests = new FileDigests();

  constructor(
    private readonly xen: XenToolstack,
    private readonly settings: TemplateSettings,
  ) {}

  /** The template a service VM's instances are restored from, built first if it is missing or stale; the service's disk made if missing. */
  async ensure(spec: TemplateSpec): Promise<Template> {
    await this.prepareDisk(spec);
    const shape = templateShape(spec, this.settings);
    let template = this.building.get(shape);
    if (template === undefined) {
      template = this.ensureNow(spec, shape).finally(() => this.building.delete(shape));
      this.building.set(shape, template);
    }
    return template;
  }

  /** The template on disk now for a service VM, if any: what a snapshot is checked against before a restore. */
  async current(spec: TemplateSpec): Promise<Template | undefined> {
    const shape = templateShape(spec, this.settings);
    const file = this.saveFile(shape);
    return existsSync(file) ? this.templateAt(shape, file) : undefined;
  }

  private async ensureNow(spec: TemplateSpec, shape: string): Promise<Template> {
    const name = templateDomainName(spec.host, shape);
    const blank: TemplateSpec = { host: spec.host, id: `template-${shape}`, role: GUEST_ROLE, writePaths: spec.writePaths, ...(spec.memoryLimitBytes === undefined ? {} : { memoryLimitBytes: spec.memoryLimitBytes }) };
    const { path: cfgPath, text } = await writeDomainConfig(this.settings.stateDir, name, serviceDomainConfig(blank, name, this.settings), `template "${shape}"`);
    const inputs = createHash('sha256')
      .update(text)
      .update(await this.digests.of(this.settings.image.kernel))
      .update(await this.digests.of(this.settings.image.ramdisk))
      .update(await this.digests.of(this.settings.image.rootDisk))
      .digest('hex');
    const file = this.saveFile(shape);
    const inputsFile = join(dirname(file), `${shape}.inputs`);
    if (existsSync(file) && (await readFile(inputsFile, 'utf8').catch(() => '')) === inputs) return this.templateAt(shape, file);

    await this.prepareDisk(blank);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // A template domain left by a build that was interrupted.
    await this.xen.destroy(name);
    const domid = await this.xen.create(cfgPath, name);
    const partial = `${file}.partial`;
    try {
      await this.awaitWaiting(shape, name, domid);
      await this.xen.save(name, partial);
    } catch (error) {
      await this.xen.destroy(name);
      throw error;
    }
    await rename(partial, file);
    await writeFile(inputsFile, inputs, { mode: 0o600 });
    return this.templateAt(shape, file);
  }

  private async prepareDisk(spec: ServiceDomainSpec): Promise<void> {
    const disk = serviceDiskPath(this.settings.stateDir, spec);
    if (disk === undefined || existsSync(disk)) return;
    await mkdir(dirname(disk), { recursive: true, mode: 0o700 });
    await this.xen.createDisk(disk, this.settings.diskSizeBytes);
  }

  private awaitWaiting(shape: string, name: string, domid: number): Promise<void> {
    const timeoutMs = this.settings.bootTimeoutMs;
    return awaitDomainState(this.xen, domid, WAITING, { timeoutMs, timedOut: (last) => new XenTemplateTimeoutError(shape, name, timeoutMs, last) });
  }

  private async templateAt(shape: string, file: string): Promise<Template> {
    const { mtimeMs } = await stat(file);
    return { shape, file, digest: await this.digests.of(file), savedAt: Math.floor(mtimeMs) };
  }

  private saveFile(shape: string): string {
    return join(this.settings.stateDir, 'images', `${shape}.save`);
  }
}
