import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../../shared/project-root.js';

const execFileAsync = promisify(execFile);

/**
 * The LD_PRELOAD library that lets xenstored run without a hypervisor (differential/xen-shim.c),
 * compiled with gcc into `cacheDir` when missing or older than its source. Returns its path.
 */
export async function xenShimLibrary(cacheDir: string): Promise<string> {
  const source = join(projectRoot(), 'test', 'xenstore', 'differential', 'xen-shim.c');
  const library = join(cacheDir, 'xen-shim.so');
  if (existsSync(library) && statSync(library).mtimeMs >= statSync(source).mtimeMs) return library;
  mkdirSync(cacheDir, { recursive: true });
  const building = `${library}.${process.pid}.tmp`;
  await execFileAsync('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-o', building, source, '-ldl']);
  renameSync(building, library);
  return library;
}
