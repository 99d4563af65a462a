import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Authorization } from './authorization.js';
import { BrokerPortInUseError, BrokerReloadError, BrokerStartError } from './errors.js';
import { findFreePort } from './free-port.js';
import { findNatsServerBinary } from './nats-server-binary.js';
import { PrincipalNames } from './principal-names.js';
import type { PrincipalViolation } from './principal-names.js';
import { writePrivateFile } from './private-file.js';
import { classifyReloadLine, RELOAD_TIMEOUT_MS } from './reload-result.js';
import type { ReloadResult } from './reload-result.js';
import { hostPort, renderServerConfig } from './render-config.js';
import { ServerLog } from './server-log.js';
import { ServerProcess } from './server-process.js';
import type { LineOutcome, ProcessExit } from './server-process.js';

export type { ProcessExit } from './server-process.js';
export type { PrincipalViolation } from './principal-names.js';

export interface NatsServerOptions {
  /** The nats-server executable; default: `nats-server` on PATH, /usr/sbin or /usr/local/sbin. */
  binary?: string;
  /** Holds `nats.conf` (mode 0600) and the JetStream store (`jetstream/`). */
  dir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Absent or 0: a free port is picked. */
  port?: number;
  authorization: Authorization;
  serverName?: string;
  /** Every line the server writes. */
  onLog?: (line: string) => void;
}

export interface NatsServer {
  /** `nats://host:port` */
  readonly url: string;
  readonly pid: number;
  readonly port: number;
  /**
   * Applies new permissions (config rewrite + SIGHUP) without dropping connections; resolves
   * once the server has applied them. Reloads run one at a time, in call order.
   */
  reload(authorization: Authorization): Promise<void>;
  onViolation(listener: (violation: PrincipalViolation) => void): () => void;
  /** Called once when the server process ends, however it ended. */
  onExit(listener: (exit: ProcessExit) => void): () => void;
  /** The last ~200 lines the server wrote. */
  recentLog(): string[];
  /** SIGTERM, SIGKILL after 3 s; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_HOST = '127.0.0.1';
/** Retries after losing a picked port to another process between probing and binding. */
const PORT_RETRIES = 3;
const READY_TIMEOUT_MS = 10_000;

const isReady = (line: string) => (line.includes('Server is ready') ? true : undefined);
const isAddressInUse = (line: string) => line.includes('address already in use');

export async function startNatsServer(options: NatsServerOptions): Promise<NatsServer> {
  const binary = findNatsServerBinary(options.binary);
  const host = options.host ?? DEFAULT_HOST;
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const configPath = join(options.dir, 'nats.conf');
  const storeDir = join(options.dir, 'jetstream');
  const fixedPort = options.port !== undefined && options.port !== 0 ? options.port : undefined;
  const attempts = fixedPort === undefined ? 1 + PORT_RETRIES : 1;

  for (let attempt = 1; ; attempt += 1) {
    const port = fixedPort ?? (await findFreePort(host));
    const render = (authorization: Authorization) =>
      renderServerConfig({ host, port, storeDir, authorization, serverName: options.serverName });
    await writePrivateFile(configPath, render(options.authorization));

    const log = new ServerLog();
    if (options.onLog !== undefined) log.onLine(options.onLog);
    const server = await ServerProcess.start(binary, ['-c', configPath], log).catch((error: unknown) => {
      throw new BrokerStartError(`cannot run ${binary}`, log.recent(), { cause: error });
    });
    const outcome = await server.waitForLine(isReady, READY_TIMEOUT_MS);
    if (outcome.kind === 'line') {
      return new RunningNatsServer({ server, host, port, configPath, render, authorization: options.authorization });
    }
    if (outcome.kind === 'timeout') {
      await server.stop();
      throw new BrokerStartError(`not ready after ${READY_TIMEOUT_MS / 1000} s`, log.recent());
    }
    if (!log.recent().some(isAddressInUse)) {
      throw new BrokerStartError(`it exited (${describeExit(outcome.exit)}) before it was ready`, log.recent());
    }
    if (fixedPort !== undefined) throw new BrokerPortInUseError(host, fixedPort);
    if (attempt === attempts) {
      throw new BrokerStartError(`every port picked on ${host} was taken before it could bind (${attempts} tries)`, log.recent());
    }
  }
}

function describeReloadFailure(result: LineOutcome<ReloadResult>): string {
  switch (result.kind) {
    case 'exited':
      return `the server exited (${describeExit(result.exit)})`;
    case 'timeout':
      return `no answer after ${RELOAD_TIMEOUT_MS / 1000} s`;
    case 'line':
      return result.value.applied ? 'it reported success' : result.value.reason;
  }
}

class RunningNatsServer implements NatsServer {
  readonly url: string;
  readonly pid: number;
  readonly port: number;
  readonly #server: ServerProcess;
  readonly #configPath: string;
  readonly #render: (authorization: Authorization) => string;
  #authorization: Authorization;
  readonly #names = new PrincipalNames();
  #reloads: Promise<void> = Promise.resolve();

  constructor(parts: {
    server: ServerProcess;
    host: string;
    port: number;
    configPath: string;
    render: (authorization: Authorization) => string;
    authorization: Authorization;
  }) {
    this.#server = parts.server;
    this.pid = parts.server.pid;
    this.port = parts.port;
    this.url = `nats://${hostPort(parts.host, parts.port)}`;
    this.#configPath = parts.configPath;
    this.#render = parts.render;
    this.#authorization = parts.authorization;
    this.#names.remember(parts.authorization);
  }

  reload(authorization: Authorization): Promise<void> {
    const run = this.#reloads.catch(() => undefined).then(() => this.#reloadNow(authorization));
    this.#reloads = run;
    return run;
  }

  async #reloadNow(authorization: Authorization): Promise<void> {
    if (this.#server.hasExited) throw new BrokerReloadError('the server is not running', this.recentLog());
    this.#names.remember(authorization);
    await writePrivateFile(this.#configPath, this.#render(authorization));
    const outcome = this.#server.waitForLine(classifyReloadLine, RELOAD_TIMEOUT_MS);
    this.#server.signal('SIGHUP');
    const result = await outcome;
    if (result.kind === 'line' && result.value.applied) {
      this.#authorization = authorization;
      return;
    }
    // The server still runs the previous configuration: keep the file in step with it.
    await writePrivateFile(this.#configPath, this.#render(this.#authorization));
    throw new BrokerReloadError(describeReloadFailure(result), this.recentLog());
  }

  onViolation(listener: (violation: PrincipalViolation) => void): () => void {
    return this.#server.log.onLine((line) => {
      const violation = this.#names.violationIn(line);
      if (violation !== undefined) listener(violation);
    });
  }

  onExit(listener: (exit: ProcessExit) => void): () => void {
    return this.#server.onExit(listener);
  }

  recentLog(): string[] {
    return this.#server.log.recent();
  }

  stop(): Promise<void> {
    return this.#server.stop();
  }
}

function describeExit(exit: ProcessExit): string {
  return exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
}
