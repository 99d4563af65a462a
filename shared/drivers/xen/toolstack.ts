import type { DomainState } from './xl-list.js';

/** A XenStore node to write, with its permissions: owner and default first (`n0`), then grants (`r5`). */
export interface XenstoreEntry {
  path: string;
  value: string;
  perms: readonly string[];
}

export type Unwatch = () => Promise<void>;

/**
 * Everything the xen driver asks of Xen, and nothing else: the driver's logic is tested against a
 * fake of this, and XlToolstack is the one real implementation (xl, and xenstored's socket).
 * Domains are created with `-e`: no xl process waits on them; the driver acts on their deaths.
 */
export interface XenToolstack {
  /** `xl create -e`: builds and unpauses the domain; resolves to its domid. */
  create(cfgPath: string, name: string): Promise<number>;
  /** `xl save`: writes the domain's memory image to `file`; the domain is gone after. */
  save(name: string, file: string): Promise<void>;
  /** `xl restore -e` with `cfgPath` in place of the saved config; resolves to the new domain's domid. */
  restore(cfgPath: string, file: string, name: string): Promise<number>;
  /** `xl destroy`; a domain that does not exist counts as destroyed. */
  destroy(name: string): Promise<void>;
  list(): Promise<DomainState[]>;
  /** A XenStore node's value; undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Writes the nodes in order, each with its permissions, in one transaction. */
  write(entries: readonly XenstoreEntry[]): Promise<void>;
  /** Calls `onEvent` for each event on `path` (once right away, as XenStore does when a watch is set). */
  watch(path: string, onEvent: (path: string) => void): Promise<Unwatch>;
  /** `xl block-attach`: gives the domain the disk (xl-disk-configuration(5)), whichever domain its back-end is in. */
  attachDisk(name: string, disk: string): Promise<void>;
  /**
   * `xl network-attach`: gives the domain the vif (xl-network-configuration(5)), whichever domain
   * its back-end is in; `settings` are its `key=value` settings, one each (not comma-joined).
   */
  attachNic(name: string, settings: readonly string[]): Promise<void>;
  /** `xl block-detach --force`: takes the disk `vdev` away from the domain without waiting on its back-end (which may be gone). */
  detachDisk(name: string, vdev: string): Promise<void>;
  /** `xl network-detach`: takes the vif with this MAC away from the domain; libxl forces it once a back-end that is gone does not answer. */
  detachNic(name: string, mac: string): Promise<void>;
  /** A sparse raw image of `sizeBytes` with an empty ext4 file system, for a service VM that keeps files. */
  createDisk(file: string, sizeBytes: number): Promise<void>;
  close(): Promise<void>;
}
