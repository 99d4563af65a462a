import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NatsServerNotFoundError } from './errors.js';

/** Where Debian and hand installs put nats-server, searched after PATH. */
const SYSTEM_DIRS = ['/usr/sbin', '/usr/local/sbin'];

/**
 * The nats-server executable to run: `binary` if given (it must be an executable file),
 * else the first `nats-server` on `searchPath`, /usr/sbin or /usr/local/sbin.
 */
export function findNatsServerBinary(binary?: string, searchPath: string = process.env['PATH'] ?? ''): string {
  if (binary !== undefined) {
    if (!isExecutableFile(binary)) throw new NatsServerNotFoundError(`${binary} is not an executable file`);
    return binary;
  }
  const dirs = [...searchPath.split(delimiter).filter((dir) => dir !== ''), ...SYSTEM_DIRS];
  const found = dirs.map((dir) => join(dir, 'nats-server')).find(isExecutableFile);
  if (found === undefined) throw new NatsServerNotFoundError(`no nats-server in ${dirs.join(delimiter)}`);
  return found;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
