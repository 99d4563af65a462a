import { open } from 'node:fs/promises';
import { DEFAULT_XENSTORED_SOCKET } from '../../xenstore/unix-socket-server.js';
import { XlFailedError, XenDiskFailedError } from './errors.js';
import { runCommand } from './run-command.js';
import type { Unwatch, XenstoreEntry, XenToolstack } from './toolstack.js';
import { XenstoredConnection } from './xenstored-connection.js';
import { parseXlList, type DomainState } from './xl-list.js';

export interface XlToolstackOptions {
  /** xenstored's unix socket in dom0. */
  xenstoredSocket?: string;
  /** The longest any one xl command may take (saving a large domain takes seconds). */
  timeoutMs?: number;
}

/**
 * The real edge: `xl` run as a command (no shell), XenStore through xenstored's socket. The
 * commands that plug devices (create, restore, save, block and network attach and detach) run one at a
 * time: each runs hotplug scripts that take a lock of their own and that libxl kills after 40 s,
 * and several at once on a busy dom0 made one overrun.
 */
export class XlToolstack implements XenToolstack {
  private readonly socket: string;
  private readonly timeoutMs: number;
  private xenstore: Promise<XenstoredConnection> | undefined;
  private plugging: Promise<unknown> = Promise.resolve();

  constructor(options: XlToolstackOptions = {}) {
    this.socket = options.xenstoredSocket ?? DEFAULT_XENSTORED_SOCKET;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  async create(cfgPath: string, name: string): Promise<number> {
    await this.oneAtATime(['create', '-e', '-f', cfgPath]);
    return this.domid(name);
  }

  async save(name: string, file: string): Promise<void> {
    await this.oneAtATime(['save', name, file]);
  }

  async restore(cfgPath: string, file: string, name: string): Promise<number> {
    await this.oneAtATime(['restore', '-e', cfgPath, file]);
    return this.domid(name);
  }

  async destroy(name: string): Promise<void> {
    try {
      await this.xl(['destroy', name]);
    } catch (error) {
      if (!(error instanceof XlFailedError) || (await this.list()).some((domain) => domain.name === name)) throw error;
    }
  }

  async attachDisk(name: string, disk: string): Promise<void> {
    await this.oneAtATime(['block-attach', name, disk]);
  }

  async attachNic(name: string, settings: readonly string[]): Promise<void> {
    await this.oneAtATime(['network-attach', name, ...settings]);
  }

  async detachDisk(name: string, vdev: string): Promise<void> {
    await this.oneAtATime(['block-detach', '--force', name, vdev]);
  }

  async detachNic(name: string, mac: string): Promise<void> {
    await this.oneAtATime(['network-detach', name, mac]);
  }

  /** The text listing: `xl list -l` leaves out domains whose configuration libxl cannot read back, and shows no shutdown state. */
  async list(): Promise<DomainState[]> {
    return parseXlList(await this.xl(['list']));
  }

  async read(path: string): Promise<string | undefined> {
    return (await this.connection()).read(path);
  }

  async write(entries: readonly XenstoreEntry[]): Promise<void> {
    await (await this.connection()).write(entries);
  }

  async watch(path: string, onEvent: (path: string) => void): Promise<Unwatch> {
    return (await this.connection()).watch(path, onEvent);
  }

  async createDisk(file: string, sizeBytes: number): Promise<void> {
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.truncate(sizeBytes);
    } finally {
      await handle.close();
    }
    await runCommand('mkfs.ext4', ['-q', '-F', file], this.timeoutMs, (ending, _code, stderr) => new XenDiskFailedError(file, `mkfs.ext4 ${ending}: ${stderr.trim()}`));
  }

  async close(): Promise<void> {
    const connection = this.xenstore;
    this.xenstore = undefined;
    await (await connection?.catch(() => undefined))?.close();
  }

  private async domid(name: string): Promise<number> {
    return Number((await this.xl(['domid', name])).trim());
  }

  private connection(): Promise<XenstoredConnection> {
    if (this.xenstore === undefined) {
      const connecting = XenstoredConnection.connect(this.socket);
      // A failed connection is tried again on the next request rather than kept.
      connecting.catch(() => {
        if (this.xenstore === connecting) this.xenstore = undefined;
      });
      this.xenstore = connecting;
    }
    return this.xenstore;
  }

  private oneAtATime(args: readonly string[]): Promise<string> {
    const run = this.plugging.then(() => this.xl(args));
    this.plugging = run.catch(() => undefined);
    return run;
  }

  private xl(args: readonly string[]): Promise<string> {
    return runCommand('xl', args, this.timeoutMs, (ending, exitCode, stderr) => new XlFailedError(args, ending, exitCode, stderr));
  }
}
