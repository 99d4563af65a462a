import { XoarError } from '../errors/xoar-error.js';

const INSTALL_HINT = 'install it (Debian: apt-get install nats-server) or pass --nats-server PATH';

/** No usable nats-server executable: not at the given path, or not on PATH. */
export class NatsServerNotFoundError extends XoarError {
  constructor(where: string, options: { cause?: unknown } = {}) {
    super('broker-not-found', `nats-server not found: ${where}`, { hint: INSTALL_HINT, cause: options.cause });
  }
}

/** The client port asked for is already bound by another process. */
export class BrokerPortInUseError extends XoarError {
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number) {
    super('broker-port-in-use', `cannot start nats-server on ${host}:${port}: the address is already in use`, {
      hint: 'choose another port, or omit it to let xoar pick a free one',
    });
    this.host = host;
    this.port = port;
  }
}

/** nats-server did not become ready: it exited, failed to spawn or took too long. */
export class BrokerStartError extends XoarError {
  readonly logTail: string[];

  constructor(reason: string, logTail: string[], options: { cause?: unknown } = {}) {
    super('broker-start-failed', `nats-server did not start: ${reason}${formatTail(logTail)}`, {
      hint: 'read the server log above; a rejected configuration names the file, line and field',
      cause: options.cause,
    });
    this.logTail = logTail;
  }
}

/** nats-server did not apply a new configuration; it keeps running with the previous one. */
export class BrokerReloadError extends XoarError {
  readonly logTail: string[];

  constructor(reason: string, logTail: string[], options: { cause?: unknown } = {}) {
    super('broker-reload-failed', `nats-server did not reload its configuration: ${reason}${formatTail(logTail)}`, {
      hint: 'the previous permissions stay in force; fix the authorization (the log names the field) and reload again',
      cause: options.cause,
    });
    this.logTail = logTail;
  }
}

/** xoar could not join a nats-server someone else runs: unreachable, not NATS, or its files unusable. */
export class BrokerJoinError extends XoarError {
  readonly url: string;

  constructor(url: string, reason: string, options: { hint?: string; cause?: unknown } = {}) {
    super('broker-join-failed', `cannot join the nats-server at ${url}: ${reason}`, {
      hint: options.hint ?? 'is the server running and listening there? check --nats-url and that nothing blocks the port',
      cause: options.cause,
    });
    this.url = url;
  }
}

/**
 * xoar cannot tell a joined nats-server to reload its configuration: it was given no pid
 * file, or the pid file is unusable, or the process cannot be signalled.
 */
export class BrokerSignalError extends XoarError {
  readonly url: string;

  constructor(url: string, reason: string, options: { hint: string; cause?: unknown }) {
    super('broker-cannot-signal', `cannot tell the nats-server at ${url} to reload: ${reason}`, options);
    this.url = url;
  }
}

const TAIL_LINES_IN_MESSAGE = 20;

function formatTail(logTail: string[]): string {
  const shown = logTail.slice(-TAIL_LINES_IN_MESSAGE);
  return shown.length === 0 ? '' : `\nlast server log lines:\n  ${shown.join('\n  ')}`;
}
