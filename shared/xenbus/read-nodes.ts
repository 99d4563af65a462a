import type { XenstoreClient } from '../xenstore/xenstore-client.js';
import { XenstoreRequestError } from '../xenstore/xenstore-client.js';

/** The values of a directory's children (not below); a child removed meanwhile is left out. */
export async function readNodes(client: XenstoreClient, dir: string): Promise<Record<string, string>> {
  const nodes: Record<string, string> = {};
  for (const name of await client.list(dir)) {
    const value = await readIfPresent(client, `${dir}/${name}`);
    if (value !== undefined) nodes[name] = value;
  }
  return nodes;
}

/** A node's value, or undefined when it does not exist. */
export async function readIfPresent(client: XenstoreClient, path: string): Promise<string | undefined> {
  try {
    return await client.read(path);
  } catch (error) {
    if (error instanceof XenstoreRequestError && error.errno === 'ENOENT') return undefined;
    throw error;
  }
}
