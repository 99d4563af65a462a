import type { XenstoreClient } from '../xenstore/xenstore-client.js';
import { XenstoreRequestError } from '../xenstore/xenstore-client.js';
import { formatPermission } from '../xenstore/permissions.js';
import type { XenstoreDirectory } from './device-entries.js';

const ATTEMPTS = 5;

/**
 * Creates directories in one transaction, as libxl does: each afresh, its permissions set before
 * its nodes (which inherit them). A transaction that conflicts with another change is run again.
 */
export async function writeDirectories(client: XenstoreClient, directories: readonly XenstoreDirectory[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const tx = await client.startTransaction();
    try {
      for (const directory of directories) await writeDirectory(client, directory, tx);
    } catch (error) {
      await client.endTransaction(tx, false);
      throw error;
    }
    try {
      await client.endTransaction(tx, true);
      return;
    } catch (error) {
      if (!(error instanceof XenstoreRequestError && error.errno === 'EAGAIN') || attempt === ATTEMPTS) throw error;
    }
  }
}

async function writeDirectory(client: XenstoreClient, directory: XenstoreDirectory, tx: number): Promise<void> {
  await client.remove(directory.path, tx).catch((error: unknown) => {
    if (!(error instanceof XenstoreRequestError && error.errno === 'ENOENT')) throw error;
  });
  await client.write(directory.path, '', tx);
  await client.setPermissions(directory.path, directory.perms.map(formatPermission), tx);
  for (const [node, value] of Object.entries(directory.nodes)) await client.write(`${directory.path}/${node}`, value, tx);
}
