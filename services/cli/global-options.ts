import type { Argv } from 'yargs';
import { defaultStateRoot } from '../supervisor/state-dir.js';

export interface GlobalOptions {
  json: boolean;
  stateDir: string;
  host: string | undefined;
}

/** Options every command takes. */
export function withGlobalOptions<T>(yargs: Argv<T>): Argv<T & GlobalOptions> {
  return yargs
    .option('json', { type: 'boolean', default: false, describe: 'print machine-readable JSON' })
    .option('state-dir', { type: 'string', default: defaultStateRoot(), describe: 'where hosts keep their runtime files, logs and audit store (env XOAR_STATE_DIR)' })
    .option('host', { type: 'string', describe: 'which running host (default: the only one running)' }) as unknown as Argv<T & GlobalOptions>;
}
