import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Argv } from 'yargs';
import { XoarError } from '../../shared/errors/xoar-error.js';
import { createLogger } from '../../shared/log/logger.js';
import { loadPolicy } from '../../shared/policy/load-policy.js';
import { projectRoot } from '../../shared/project-root.js';
import { DEFAULT_STANDBYS } from '../supervisor/rollback-kind.js';
import { type BrokerChoice, Supervisor } from '../supervisor/supervisor.js';
import { hostPaths } from '../supervisor/state-dir.js';
import type { GlobalOptions } from './global-options.js';

export interface SupervisorCliOptions {
  policy: string;
  natsServer: string | undefined;
  natsPort: number | undefined;
  natsUrl: string | undefined;
  natsAuthorizationFile: string | undefined;
  natsPidFile: string | undefined;
  natsLogFile: string | undefined;
  standbys: number;
}

const MAX_STANDBYS = 64;

export class InvalidOptionError extends XoarError {
  constructor(option: string, expected: string) {
    super('invalid-option', `${option} must be ${expected}`, { hint: `see xoar host up --help` });
  }
}

export function defaultPolicyFile(): string {
  return join(projectRoot(), 'policies', 'default.json');
}

/** The options of commands that run a supervisor in this process. */
export function withSupervisorOptions<T>(yargs: Argv<T>): Argv<T & SupervisorCliOptions> {
  return yargs
    .option('policy', { type: 'string', default: defaultPolicyFile(), describe: 'the host policy (JSON or YAML)' })
    .option('nats-server', { type: 'string', describe: 'the nats-server executable (default: found on PATH)' })
    .option('nats-port', { type: 'number', describe: "the broker's loopback port (default: a free one)" })
    .option('nats-url', { type: 'string', describe: 'join a nats-server you run instead of starting one (see README: join mode)' })
    .option('nats-authorization-file', { type: 'string', describe: 'join mode: the file your server includes; xoar writes its users and permissions there' })
    .option('nats-pid-file', { type: 'string', describe: "join mode: your server's pid_file, so xoar can make it reload (SIGHUP)" })
    .option('nats-log-file', { type: 'string', describe: "join mode: your server's log_file, to confirm reloads and record violations" })
    .option('standbys', { type: 'number', default: DEFAULT_STANDBYS, describe: 'warm standbys kept per make-before-break service (builder, toolstack, block, network); a per-request service answers bursts up to this many requests fast' })
    .implies('nats-url', 'nats-authorization-file')
    .implies('nats-authorization-file', 'nats-url')
    .implies('nats-pid-file', 'nats-url')
    .implies('nats-log-file', 'nats-url')
    .conflicts('nats-url', ['nats-server', 'nats-port']) as unknown as Argv<T & SupervisorCliOptions>;
}

/** Loads the policy and starts its host's supervisor, logging to the host's supervisor.log. */
export async function startSupervisor(argv: GlobalOptions & SupervisorCliOptions): Promise<Supervisor> {
  if (!Number.isInteger(argv.standbys) || argv.standbys < 1 || argv.standbys > MAX_STANDBYS) throw new InvalidOptionError('--standbys', `a whole number from 1 to ${MAX_STANDBYS}`);
  const policy = await loadPolicy(argv.policy);
  const paths = hostPaths(argv.stateDir, policy.host.name);
  mkdirSync(dirname(paths.supervisorLog), { recursive: true, mode: 0o700 });
  const log = createLogger(createWriteStream(paths.supervisorLog, { flags: 'a' }), { host: policy.host.name });
  return Supervisor.start({
    policy,
    stateRoot: argv.stateDir,
    log,
    broker: brokerChoice(argv),
    standbys: argv.standbys,
  });
}

function brokerChoice(argv: SupervisorCliOptions): BrokerChoice {
  if (argv.natsUrl === undefined || argv.natsAuthorizationFile === undefined) {
    return { kind: 'own', ...(argv.natsServer === undefined ? {} : { binary: argv.natsServer }), ...(argv.natsPort === undefined ? {} : { port: argv.natsPort }) };
  }
  return {
    kind: 'join',
    url: argv.natsUrl,
    authorizationFile: argv.natsAuthorizationFile,
    ...(argv.natsPidFile === undefined ? {} : { pidFile: argv.natsPidFile }),
    ...(argv.natsLogFile === undefined ? {} : { logFile: argv.natsLogFile }),
  };
}
