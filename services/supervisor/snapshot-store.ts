import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Snapshot } from '../../shared/drivers/driver.js';

/**
 * Where a host keeps its service VMs' snapshots: `<state-dir>/<host>/snapshots/<id>.json`
 * (0600, written whole and renamed into place). On the process driver a snapshot is the
 * declared initial state (no secret in it) and the digest over it and the role's code; the
 * audit stream holds the digest, so a stored snapshot can be checked against the record.
 */
export class SnapshotStore {
  constructor(private readonly dir: string) {}

  async save(snapshot: Snapshot): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(snapshot.spec.id);
    const partial = `${file}.partial`;
    await writeFile(partial, `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
    await rename(partial, file);
    return file;
  }

  /** The last snapshot stored for a service, if any. */
  async load(id: string): Promise<Snapshot | undefined> {
    try {
      return JSON.parse(await readFile(this.fileOf(id), 'utf8')) as Snapshot;
    } catch {
      return undefined;
    }
  }

  private fileOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
