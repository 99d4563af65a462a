import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** sha256 over every compiled file under the given folders, in path order: what a snapshot's code is. */
export function codeIdentity(root: string, folders: string[]): string {
  const hash = createHash('sha256');
  for (const file of folders.flatMap((folder) => listFiles(join(root, folder))).sort()) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}
