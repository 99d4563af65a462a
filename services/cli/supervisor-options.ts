import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Argv } from 'yargs';
import { createLogger } from '../../shared/log/logger.js';
import { loadPolicy } from '../../shared/policy/load-policy.js';
import { projectRoot } from '../../shared/project-root.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { hostPaths } from '../supervisor/state-dir.js';
import type { GlobalOptions } from './global-options.js';

export interface SupervisorCliOptions {
  policy: string;
  natsServer: string | undefined;
  natsPort: number | undefined;
}

export function defaultPolicyFile(): string {
  return join(projectRoot(), 'policies', 'default.json');
}

/** The options of commands that run a supervisor in this process. */
export function withSupervisorOptions<T>(yargs: Argv<T>): Argv<T & SupervisorCliOptions> {
  return yargs
    .option('policy', { type: 'string', default: defaultPolicyFile(), describe: 'the host policy (JSON or YAML)' })
    .option('nats-server', { type: 'string', describe: 'the nats-server executable (default: found on PATH)' })
    .option('nats-port', { type: 'number', describe: "the broker's loopback port (default: a free one)" }) as unknown as Argv<T & SupervisorCliOptions>;
}

/** Loads the policy and starts its host's supervisor, logging to the host's supervisor.log. */
export async function startSupervisor(argv: GlobalOptions & SupervisorCliOptions): Promise<Supervisor> {
  const policy = await loadPolicy(argv.policy);
  const paths = hostPaths(argv.stateDir, policy.host.name);
  mkdirSync(dirname(paths.supervisorLog), { recursive: true, mode: 0o700 });
  const log = createLogger(createWriteStream(paths.supervisorLog, { flags: 'a' }), { host: policy.host.name });
  return Supervisor.start({
    policy,
    stateRoot: argv.stateDir,
    log,
    ...(argv.natsServer === undefined ? {} : { natsServer: argv.natsServer }),
    ...(argv.natsPort === undefined ? {} : { natsPort: argv.natsPort }),
  });
}
