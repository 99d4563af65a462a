import { chmod, rename, writeFile } from 'node:fs/promises';

/** Writes a file only its owner can read, replacing any previous one atomically. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const staging = `${path}.new`;
  await writeFile(staging, text, { mode: 0o600 });
  await chmod(staging, 0o600);
  await rename(staging, path);
}
