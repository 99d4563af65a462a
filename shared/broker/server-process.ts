import { spawn } from 'node:child_process';
import { dieWithParent } from '../die-with-parent.js';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ServerLog } from './server-log.js';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What became of waiting for a log line: the line's meaning, the process's end, or the deadline. */
export type LineOutcome<T> =
  | { kind: 'line'; value: T }
  | { kind: 'exited'; exit: ProcessExit }
  | { kind: 'timeout' };

/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 3_000;

/**
 * One running server process whose stdout and stderr are read into a `ServerLog`.
 * It gets a minimal environment: nothing of ours (certificates, secrets) leaks into it.
 */
export class ServerProcess {
  readonly pid: number;
  readonly log: ServerLog;
  readonly #child: ChildProcess;
  readonly #exitListeners = new Set<(exit: ProcessExit) => void>();
  /** Settles once the process has ended and all its output has been read. */
  readonly #exited: Promise<ProcessExit>;
  #exit: ProcessExit | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(child: ChildProcess, pid: number, log: ServerLog) {
    this.#child = child;
    this.pid = pid;
    this.log = log;
    this.#exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        const exit = { code, signal };
        this.#exit = exit;
        resolve(exit);
        for (const listener of [...this.#exitListeners]) listener(exit);
      });
    });
  }

  /** Starts `binary` with `args`; resolves once the process exists, rejects if it cannot be spawned. */
  static start(binary: string, args: string[], log: ServerLog): Promise<ServerProcess> {
    const { command, args: commandArgs } = dieWithParent(binary, args);
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: minimalEnvironment() });
    readLines(child.stdout, log);
    readLines(child.stderr, log);
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.off('error', reject);
        child.on('error', (error) => log.append(`[xoar] ${error.message}`));
        resolve(new ServerProcess(child, child.pid ?? 0, log));
      });
    });
  }

  get hasExited(): boolean {
    return this.#exit !== undefined;
  }

  /** Calls `listener` once the process has ended (at once if it already has); returns the unsubscribe function. */
  onExit(listener: (exit: ProcessExit) => void): () => void {
    const exit = this.#exit;
    if (exit !== undefined) {
      queueMicrotask(() => listener(exit));
      return () => undefined;
    }
    this.#exitListeners.add(listener);
    return () => {
      this.#exitListeners.delete(listener);
    };
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.hasExited) this.#child.kill(signal);
  }

  /**
   * Waits for the first line `classify` gives a meaning to. Listening starts before this
   * returns, so a caller may trigger the line (send a signal) right after calling it.
   */
  waitForLine<T>(classify: (line: string) => T | undefined, timeoutMs: number): Promise<LineOutcome<T>> {
    return new Promise((resolve) => {
      const finish = (outcome: LineOutcome<T>) => {
        stopListening();
        stopWatchingExit();
        clearTimeout(timer);
        resolve(outcome);
      };
      const stopListening = this.log.onLine((line) => {
        const value = classify(line);
        if (value !== undefined) finish({ kind: 'line', value });
      });
      const stopWatchingExit = this.onExit((exit) => finish({ kind: 'exited', exit }));
      const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    });
  }

  /** SIGTERM, then SIGKILL after `STOP_GRACE_MS`; resolves once the process is gone. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#terminate();
    return this.#stopping;
  }

  async #terminate(): Promise<void> {
    if (this.hasExited) return;
    this.signal('SIGTERM');
    const kill = setTimeout(() => this.signal('SIGKILL'), STOP_GRACE_MS);
    await this.#exited;
    clearTimeout(kill);
  }
}

function readLines(stream: Readable | null, log: ServerLog): void {
  if (stream === null) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => log.append(line));
}

function minimalEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  // nats-server stamps its log in local time; the same zone lets us read the stamps back.
  if (process.env['TZ'] !== undefined) environment['TZ'] = process.env['TZ'];
  return environment;
}
