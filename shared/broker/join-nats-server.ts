import { readFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { describeError } from '../errors/xoar-error.js';
import type { Authorization } from './authorization.js';
import { BrokerJoinError, BrokerReloadError, BrokerSignalError } from './errors.js';
import { LogFileTail } from './log-file-tail.js';
import type { NatsServer } from './nats-server.js';
import { PrincipalNames } from './principal-names.js';
import type { PrincipalViolation } from './principal-names.js';
import { writePrivateFile } from './private-file.js';
import { classifyReloadLine, RELOAD_TIMEOUT_MS } from './reload-result.js';
import type { ReloadResult } from './reload-result.js';
import { renderAuthorization } from './render-config.js';
import { ServerLog } from './server-log.js';
import type { ProcessExit } from './server-process.js';

/**
 * Join mode: xoar uses a nats-server the operator runs. The server still enforces least
 * privilege: its config `include`s the file xoar writes (the `authorization` block alone),
 * and xoar makes it reload that file by sending SIGHUP to the pid in its `pid_file`.
 *
 *   # the operator's nats-server config
 *   pid_file: "/run/nats/nats.pid"
 *   log_file: "/var/log/nats/nats.log"
 *   include "/etc/nats/xoar-authorization.conf"
 *
 * The server must define no other `authorization` block or `accounts` with users: the
 * included file is the whole user list. xoar must be able to write the included file and
 * to signal the server (same user, or root), and to read its pid and log files.
 */
export interface JoinNatsServerOptions {
  /** The operator's server: `nats://host:port` (`tls://` also; port default 4222). */
  url: string;
  /** Where xoar writes the `authorization` block (mode 0600); the server's config must `include` it. */
  authorizationFile: string;
  /**
   * The server's `pid_file` (`-P`). Without it xoar cannot make the server reload: the file is
   * written at join, but the server applies it only when the operator reloads it, and
   * `reload()` fails with `BrokerSignalError`.
   */
  pidFile?: string;
  /**
   * The server's `log_file` (`-l`). With it, a reload resolves only once the server reports it
   * applied the file, and violations are reported. Without it, a reload resolves as soon as
   * the server has been signalled (a file the server rejects goes unnoticed), and
   * `onViolation` never fires.
   */
  logFile?: string;
  authorization: Authorization;
}

const DEFAULT_NATS_PORT = 4222;
const CONNECT_TIMEOUT_MS = 5_000;
/** How often a listened-for server pid is checked for life. */
const EXIT_POLL_INTERVAL_MS = 1_000;
/** The most of a server's greeting read to recognise it. */
const MAX_GREETING_BYTES = 64 * 1024;

const PID_FILE_HINT = "the server's pid_file option (or -P) must name this file, and xoar must be able to read it";
const NO_PID_FILE_HINT =
  "pass --nats-pid-file with the server's pid_file (or -P) so xoar can send it SIGHUP, " +
  'or reload it yourself after each change (kill -HUP <pid>, or nats-server --signal reload=<pid>)';

/**
 * Joins a nats-server the operator runs: checks that it answers at `url` as a NATS server,
 * writes the authorization file and makes the server reload it, so the server knows every
 * principal's key before any of them connects. The returned server never stops the
 * operator's process: `stop()` only stops watching it.
 */
export async function joinNatsServer(options: JoinNatsServerOptions): Promise<NatsServer> {
  const { host, port } = parseNatsUrl(options.url);
  await expectNatsServer(options.url, host, port);

  const log = new ServerLog();
  const tail = options.logFile === undefined ? undefined : await followLog(options.url, options.logFile, log);
  try {
    const pid = options.pidFile === undefined ? -1 : await readPidAtJoin(options.url, options.pidFile);
    const server = new JoinedNatsServer({
      url: options.url,
      authorizationFile: options.authorizationFile,
      pidFile: options.pidFile,
      port,
      pid,
      log,
      tail,
      appliedText: await readIfPresent(options.authorizationFile),
    });
    await server.apply(options.authorization, { atJoin: true });
    return server;
  } catch (error) {
    tail?.close();
    throw error;
  }
}

class JoinedNatsServer implements NatsServer {
  readonly url: string;
  readonly pid: number;
  readonly port: number;
  readonly #authorizationFile: string;
  readonly #pidFile: string | undefined;
  readonly #log: ServerLog;
  readonly #tail: LogFileTail | undefined;
  readonly #names = new PrincipalNames();
  /** What the server last loaded from the authorization file, as far as xoar knows; restored when a reload fails. */
  #appliedText: string | undefined;
  #reloads: Promise<void> = Promise.resolve();
  readonly #exitListeners = new Set<(exit: ProcessExit) => void>();
  #exitPoll: NodeJS.Timeout | undefined;
  #exited = false;
  #stopped = false;

  constructor(parts: {
    url: string;
    port: number;
    pid: number;
    authorizationFile: string;
    pidFile: string | undefined;
    log: ServerLog;
    tail: LogFileTail | undefined;
    appliedText: string | undefined;
  }) {
    this.url = parts.url;
    this.port = parts.port;
    this.pid = parts.pid;
    this.#authorizationFile = parts.authorizationFile;
    this.#pidFile = parts.pidFile;
    this.#log = parts.log;
    this.#tail = parts.tail;
    this.#appliedText = parts.appliedText;
  }

  reload(authorization: Authorization): Promise<void> {
    return this.apply(authorization, { atJoin: false });
  }

  /** Reloads one at a time, in call order. At join, a missing pid file only means the operator loads the file. */
  apply(authorization: Authorization, options: { atJoin: boolean }): Promise<void> {
    const run = this.#reloads.catch(() => undefined).then(() => this.#applyNow(authorization, options.atJoin));
    this.#reloads = run;
    return run;
  }

  async #applyNow(authorization: Authorization, atJoin: boolean): Promise<void> {
    if (this.#stopped) throw new BrokerReloadError('xoar has stopped watching this server (stop() was called)', this.recentLog());
    this.#names.remember(authorization);
    const text = renderAuthorizationFile(authorization);
    const pidFile = this.#pidFile;
    if (pidFile === undefined) {
      await writePrivateFile(this.#authorizationFile, text);
      if (atJoin) return;
      const reason = `no pid file was given; the new permissions are in ${this.#authorizationFile} but the server has not loaded them`;
      throw new BrokerSignalError(this.url, reason, { hint: NO_PID_FILE_HINT });
    }
    const pid = await readPid(pidFile).catch((error: unknown) => {
      throw new BrokerSignalError(this.url, `cannot read its pid from ${pidFile}: ${describeError(error)}`, { hint: PID_FILE_HINT, cause: error });
    });
    await writePrivateFile(this.#authorizationFile, text);

    await this.#tail?.catchUp(); // Only lines written after the signal may answer it.
    const answer = this.#tail === undefined ? undefined : waitForReloadLine(this.#log, RELOAD_TIMEOUT_MS);
    try {
      process.kill(pid, 'SIGHUP');
    } catch (error) {
      answer?.cancel();
      await this.#restoreApplied();
      throw signalFailure(this.url, pid, pidFile, error);
    }
    if (answer === undefined) {
      this.#appliedText = text; // Signalled; whether the server accepted the file cannot be seen without its log.
      return;
    }
    const result = await answer.outcome;
    if (result !== undefined && result.applied) {
      this.#appliedText = text;
      return;
    }
    await this.#restoreApplied();
    const reason = result === undefined ? `no answer in ${this.#tail?.path ?? 'its log'} after ${RELOAD_TIMEOUT_MS / 1000} s` : result.reason;
    throw new BrokerReloadError(reason, this.recentLog());
  }

  /** The server still runs the previous permissions: keep the file in step with them. */
  async #restoreApplied(): Promise<void> {
    if (this.#appliedText !== undefined) await writePrivateFile(this.#authorizationFile, this.#appliedText);
  }

  /** Without a log file, violations cannot be observed: the listener is registered and never called. */
  onViolation(listener: (violation: PrincipalViolation) => void): () => void {
    return this.#log.onLine((line) => {
      const violation = this.#names.violationIn(line);
      if (violation !== undefined) listener(violation);
    });
  }

  /**
   * Called once when the server's process (the pid read at join) is gone, found by checking
   * every second while someone listens; the exit status is not known (`code` and `signal` are
   * null). Never called without a pid file, nor after `stop()`.
   */
  onExit(listener: (exit: ProcessExit) => void): () => void {
    if (this.#exited) {
      queueMicrotask(() => listener(UNKNOWN_EXIT));
      return () => undefined;
    }
    this.#exitListeners.add(listener);
    this.#watchPid();
    return () => {
      this.#exitListeners.delete(listener);
      if (this.#exitListeners.size === 0) this.#unwatchPid();
    };
  }

  /** The last ~200 lines of the server's log file since the join (none without a log file). */
  recentLog(): string[] {
    return this.#log.recent();
  }

  /** Stops following the server's log and pid; the operator's server keeps running. Idempotent. */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#tail?.close();
    this.#unwatchPid();
    return Promise.resolve();
  }

  #watchPid(): void {
    if (this.pid <= 0 || this.#stopped || this.#exitPoll !== undefined) return;
    this.#exitPoll = setInterval(() => {
      if (isAlive(this.pid)) return;
      this.#exited = true;
      this.#unwatchPid();
      const listeners = [...this.#exitListeners];
      this.#exitListeners.clear();
      for (const listener of listeners) listener(UNKNOWN_EXIT);
    }, EXIT_POLL_INTERVAL_MS);
    this.#exitPoll.unref();
  }

  #unwatchPid(): void {
    clearInterval(this.#exitPoll);
    this.#exitPoll = undefined;
  }
}

const UNKNOWN_EXIT: ProcessExit = { code: null, signal: null };

function renderAuthorizationFile(authorization: Authorization): string {
  return [
    '# Written by xoar and included by the nats-server config: it names every principal, keep it private.',
    '# Rewritten on every grant change; edits are lost.',
    renderAuthorization(authorization),
    '',
  ].join('\n');
}

/** The host and port of a `nats://host:port` URL (a bare `host:port` is read as one). */
export function parseNatsUrl(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url.includes('://') ? url : `nats://${url}`);
  } catch (error) {
    throw new BrokerJoinError(url, 'it is not a URL', { hint: 'pass --nats-url nats://HOST:PORT', cause: error });
  }
  if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:') {
    throw new BrokerJoinError(url, `${parsed.protocol}// is not a NATS URL scheme`, { hint: 'pass --nats-url nats://HOST:PORT' });
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new BrokerJoinError(url, 'it names no host', { hint: 'pass --nats-url nats://HOST:PORT' });
  return { host, port: parsed.port === '' ? DEFAULT_NATS_PORT : Number(parsed.port) };
}

/** Connects over TCP and expects the `INFO {...}` line every NATS server greets a client with. */
function expectNatsServer(url: string, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port });
    let greeting = '';
    const finish = (error?: BrokerJoinError) => {
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    const timer = setTimeout(() => finish(new BrokerJoinError(url, `no NATS greeting within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      greeting += chunk;
      if (!greeting.includes('\n') && greeting.length < MAX_GREETING_BYTES) return;
      if (greeting.startsWith('INFO ')) finish();
      else finish(new BrokerJoinError(url, 'something answers there, but not a NATS server', { hint: 'check the host and port in --nats-url' }));
    });
    socket.on('error', (error) => finish(new BrokerJoinError(url, `nothing answers: ${describeError(error)}`, { cause: error })));
    socket.on('end', () => finish(new BrokerJoinError(url, 'the connection closed before the server greeted')));
  });
}

async function followLog(url: string, logFile: string, log: ServerLog): Promise<LogFileTail> {
  try {
    return await LogFileTail.open(logFile, log);
  } catch (error) {
    throw new BrokerJoinError(url, `cannot follow its log file ${logFile}: ${describeError(error)}`, {
      hint: "the server's log_file option (or -l) must name this file, and xoar must be able to read it; or omit --nats-log-file",
      cause: error,
    });
  }
}

async function readPidAtJoin(url: string, pidFile: string): Promise<number> {
  try {
    return await readPid(pidFile);
  } catch (error) {
    throw new BrokerJoinError(url, `cannot read its pid from ${pidFile}: ${describeError(error)}`, { hint: PID_FILE_HINT, cause: error });
  }
}

/** nats-server writes its pid in decimal, without a newline. */
async function readPid(pidFile: string): Promise<number> {
  const text = (await readFile(pidFile, 'utf8')).trim();
  if (!/^[1-9]\d*$/.test(text)) throw new Error(`"${text.slice(0, 40)}" is not a process id`);
  return Number(text);
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function signalFailure(url: string, pid: number, pidFile: string, error: unknown): BrokerSignalError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ESRCH') {
    return new BrokerSignalError(url, `no process ${pid} (from ${pidFile}) is running`, {
      hint: 'is the server running? a stale pid file is left by a server that did not exit cleanly',
      cause: error,
    });
  }
  if (code === 'EPERM') {
    return new BrokerSignalError(url, `xoar may not signal process ${pid} (from ${pidFile})`, {
      hint: 'run xoar as the user that runs nats-server (or root)',
      cause: error,
    });
  }
  return new BrokerSignalError(url, `signalling process ${pid} failed: ${describeError(error)}`, { hint: PID_FILE_HINT, cause: error });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Waits for the server's next reload report in its log; undefined on timeout. Listening starts at once. */
function waitForReloadLine(log: ServerLog, timeoutMs: number): { outcome: Promise<ReloadResult | undefined>; cancel: () => void } {
  let cancel: () => void = () => undefined;
  const outcome = new Promise<ReloadResult | undefined>((resolve) => {
    const finish = (result: ReloadResult | undefined) => {
      stopListening();
      clearTimeout(timer);
      resolve(result);
    };
    const stopListening = log.onLine((line) => {
      const result = classifyReloadLine(line);
      if (result !== undefined) finish(result);
    });
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    cancel = () => finish(undefined);
  });
  return { outcome, cancel };
}
