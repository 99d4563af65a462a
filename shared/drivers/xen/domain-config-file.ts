import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderXlConfig, type XlConfig } from './xl-config-text.js';

/** Writes a domain's xl.cfg as `<stateDir>/domains/<name>.cfg` (dom0 root only) and returns its path and text. */
export async function writeDomainConfig(stateDir: string, name: string, config: XlConfig, source: string): Promise<{ path: string; text: string }> {
  const text = renderXlConfig(config, source);
  const dir = join(stateDir, 'domains');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${name}.cfg`);
  await writeFile(path, text, { mode: 0o600 });
  return { path, text };
}
