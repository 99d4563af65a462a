import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { domainPath, exitPath, statePath } from '../identity.js';
import type { Unwatch, XenstoreEntry, XenToolstack } from '../toolstack.js';
import { type DomainState, ShutdownReason } from '../xl-list.js';

type FailingCall = 'restore' | 'write' | 'attachDisk' | 'detachDisk';

interface FakeDomain {
  domid: number;
  shutdown: ShutdownReason | null;
}

/**
 * Xen as the xen driver's tests need it, in memory: domains by name, a flat XenStore, watches,
 * and a boot protocol reduced to what the driver sees (a template reaches `waiting`). Only the
 * driver's own sequencing is tested against it; XlToolstack meets real Xen in the lab.
 */
export class FakeXen implements XenToolstack {
  /** What the driver asked, in order: `create h1-a-template`, `restore h1-a-1 from a.save`, `write …`. */
  readonly calls: string[] = [];
  readonly domains = new Map<string, FakeDomain>();
  readonly store = new Map<string, string>();
  readonly writes: XenstoreEntry[][] = [];
  /** Whether a template's /init reaches `waiting` once created. */
  templatesBoot = true;
  /** Makes the next call of that kind fail with the error. */
  readonly failNext = new Map<FailingCall, Error>();
  /** A domain that shuts down while it is being restored, before the driver hears of it. */
  shutDownWhileRestoring: { reason: ShutdownReason; code?: number } | undefined;
  private readonly watches = new Set<{ path: string; onEvent: (path: string) => void }>();
  private nextDomid = 1;
  private saves = 0;

  async create(cfgPath: string, name: string): Promise<number> {
    this.calls.push(`create ${name} (${basename(cfgPath)})`);
    const domid = this.add(name);
    if (this.templatesBoot) setImmediate(() => this.set(statePath(domid), 'waiting'));
    return domid;
  }

  async save(name: string, file: string): Promise<void> {
    this.calls.push(`save ${name}`);
    this.saves += 1;
    await writeFile(file, `memory of ${name}, save ${this.saves}`);
    this.remove(name);
  }

  async restore(_cfgPath: string, file: string, name: string): Promise<number> {
    this.calls.push(`restore ${name} from ${basename(file)}`);
    this.throwIfFailing('restore');
    const domid = this.add(name);
    if (this.shutDownWhileRestoring !== undefined) {
      const { reason, code } = this.shutDownWhileRestoring;
      this.shutDown(name, reason, code);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return domid;
  }

  async destroy(name: string): Promise<void> {
    this.calls.push(`destroy ${name}`);
    this.remove(name);
  }

  async attachDisk(name: string, disk: string): Promise<void> {
    this.calls.push(`attach-disk ${name} ${disk}`);
    this.throwIfFailing('attachDisk');
  }

  async attachNic(name: string, settings: readonly string[]): Promise<void> {
    this.calls.push(`attach-nic ${name} ${settings.join(' ')}`);
  }

  async detachDisk(name: string, vdev: string): Promise<void> {
    this.calls.push(`detach-disk ${name} ${vdev}`);
    this.throwIfFailing('detachDisk');
  }

  async detachNic(name: string, mac: string): Promise<void> {
    this.calls.push(`detach-nic ${name} ${mac}`);
  }

  async list(): Promise<DomainState[]> {
    return [...this.domains].map(([name, { domid, shutdown }]) => ({ name, domid, shutdown }));
  }

  async read(path: string): Promise<string | undefined> {
    return this.store.get(path);
  }

  async write(entries: readonly XenstoreEntry[]): Promise<void> {
    this.calls.push(`write ${entries.map(({ path }) => path).join(' ')}`);
    this.throwIfFailing('write');
    this.writes.push([...entries]);
    for (const { path, value } of entries) this.set(path, value);
  }

  async watch(path: string, onEvent: (path: string) => void): Promise<Unwatch> {
    const watch = { path, onEvent };
    this.watches.add(watch);
    setImmediate(() => onEvent(path));
    return async () => {
      this.watches.delete(watch);
    };
  }

  async createDisk(file: string, sizeBytes: number): Promise<void> {
    this.calls.push(`createDisk ${basename(file)} ${sizeBytes}`);
    await writeFile(file, '');
  }

  async close(): Promise<void> {
    this.watches.clear();
  }

  /** The domain's /init reported the service's exit code (if any) and the domain shut down. */
  shutDown(name: string, reason: ShutdownReason, code?: number): void {
    const domain = this.domains.get(name)!;
    if (code !== undefined) this.set(exitPath(domain.domid), String(code));
    domain.shutdown = reason;
    this.fire('@releaseDomain');
  }

  /** The domain's /init reported `state` (data/xoar/state): `running` once its service runs. */
  reportState(name: string, state: string): void {
    this.set(statePath(this.domains.get(name)!.domid), state);
  }

  /** The domain is gone without the driver's doing (`xl destroy` by hand). */
  vanish(name: string): void {
    this.remove(name);
  }

  private add(name: string): number {
    if (this.domains.has(name)) throw new Error(`fake xl: domain ${name} already exists`);
    const domid = this.nextDomid++;
    this.domains.set(name, { domid, shutdown: null });
    return domid;
  }

  private remove(name: string): void {
    const domain = this.domains.get(name);
    if (domain === undefined) return;
    this.domains.delete(name);
    for (const path of this.store.keys()) if (path.startsWith(`${domainPath(domain.domid)}/`)) this.store.delete(path);
    this.fire('@releaseDomain');
  }

  private set(path: string, value: string): void {
    this.store.set(path, value);
    this.fire(path);
  }

  private fire(path: string): void {
    for (const watch of this.watches) {
      if (path === watch.path || path.startsWith(`${watch.path}/`)) setImmediate(() => watch.onEvent(path));
    }
  }

  private throwIfFailing(kind: FailingCall): void {
    const error = this.failNext.get(kind);
    this.failNext.delete(kind);
    if (error !== undefined) throw error;
  }
}
