import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** sha256 of files, each computed again only when its size or modification time changes. */
export class FileDigests {
  private readonly known = new Map<string, { stamp: string; digest: string }>();

  async of(file: string): Promise<string> {
    const { size, mtimeMs } = await stat(file);
    const stamp = `${size}:${mtimeMs}`;
    const known = this.known.get(file);
    if (known?.stamp === stamp) return known.digest;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const digest = hash.digest('hex');
    this.known.set(file, { stamp, digest });
    return digest;
  }
}
