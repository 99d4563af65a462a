import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, createWriteStream, existsSync, mkdirSync, realpathSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { XoarError } from '../../errors/xoar-error.js';
import { projectRoot } from '../../project-root.js';
import type { InstanceExit, InstanceHandle, InstanceSpec, ServiceDriver, Snapshot } from '../driver.js';
import { codeIdentity } from './code-identity.js';
import { resolveSandbox, type Sandbox, SandboxLevel } from './sandbox.js';

export class ServiceEntryMissingError extends XoarError {
  constructor(role: string, entry: string) {
    super('service-entry-missing', `no code for role "${role}": ${entry} does not exist`, {
      hint: 'build the project first (npm run build), or check the role name in the policy',
    });
  }
}

export class ServiceSpawnError extends XoarError {
  constructor(id: string, command: string, cause: unknown) {
    super('service-spawn-failed', `service VM "${id}" could not be started (${command}): ${(cause as Error).message}`, {
      hint: 'check that node and unshare are installed and that the state directory is writable',
      cause,
    });
  }
}

export interface ProcessDriverOptions {
  /** Where each service VM's log (its stderr, JSON lines) is appended: `<logDir>/<id>.log`. */
  logDir: string;
  /** Node flags appended for every service VM (e.g. a heap limit). */
  nodeFlags?: string[];
}

interface ProcessInstance extends InstanceHandle {
  child: ChildProcess;
}

/** Service VM uids: Debian leaves 65000–65533 unallocated; nobody is 65534. */
const SERVICE_UID_BASE = 65000;

/**
 * Service VMs as OS processes: `node dist/services/<role>/main.js`, inside the strongest
 * sandbox the machine allows, with an empty environment (PATH only) and Node's permission
 * model (read-only access to the code, no writes, no child processes, no workers). The
 * instance's spec, credentials included, arrives on stdin and nowhere else.
 */
export class ProcessDriver implements ServiceDriver {
  readonly kind = 'process';
  readonly sharesStateBetweenInstances = true;
  readonly sandbox: Sandbox;
  private readonly root = projectRoot();
  private readonly logs = new Map<string, WriteStream>();
  private readonly identities = new Map<string, string>();
  private readonly uids = new Map<string, number>();

  constructor(private readonly options: ProcessDriverOptions) {
    this.sandbox = resolveSandbox(this.root);
    mkdirSync(options.logDir, { recursive: true });
  }

  async start(spec: InstanceSpec): Promise<InstanceHandle> {
    const entry = this.entryOf(spec.role);
    if (!existsSync(entry)) throw new ServiceEntryMissingError(spec.role, entry);
    const uid = this.uidOf(spec.id);
    for (const dir of spec.writePaths) this.prepareWritable(dir, uid);
    // Node's permission model checks resolved paths: a symlinked node_modules (a git worktree's,
    // pnpm's) is allowed where it really is.
    const code = [join(this.root, 'dist'), join(this.root, 'node_modules'), join(this.root, 'package.json')].flatMap(withRealPath);
    const readable = [...code, ...spec.readPaths, ...spec.writePaths];
    const permissions = [...readable.map(allowRead), ...spec.writePaths.map((dir) => `--allow-fs-write=${join(dir, '*')}`)];
    const heapLimit = spec.memoryLimitBytes === undefined ? [] : [`--max-old-space-size=${Math.floor(spec.memoryLimitBytes / 2 ** 20)}`];
    const nodeArgs = ['--experimental-permission', ...permissions, '--no-warnings', ...heapLimit, ...(this.options.nodeFlags ?? []), entry];
    const { command, args } = this.sandbox.wrap(process.execPath, nodeArgs, uid);
    let child: ChildProcess;
    try {
      child = spawn(command, args, { env: { PATH: '/usr/bin:/bin' }, stdio: ['pipe', 'ignore', 'pipe'], ...(spec.writePaths[0] === undefined ? {} : { cwd: spec.writePaths[0] }) });
    } catch (error) {
      throw new ServiceSpawnError(spec.id, command, error);
    }
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (spawned) throw new ServiceSpawnError(spec.id, command, spawned);

    let lastError: string | undefined;
    const log = this.logOf(spec.id);
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      log.write(text);
      for (const line of text.split('\n')) lastError = errorIn(line) ?? lastError;
    });
    const exited = new Promise<InstanceExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal, ...(lastError === undefined ? {} : { detail: lastError }) }));
    });
    child.stdin?.end(JSON.stringify(spec));
    const handle: ProcessInstance = { id: spec.id, instance: spec.instance, pid: child.pid, exited, child };
    return handle;
  }

  async snapshot(handle: InstanceHandle, spec: InstanceSpec): Promise<Snapshot> {
    const { seed: _secret, instance: _instance, standby: _standby, ...rest } = spec;
    const code = this.codeIdentityOf(spec.role);
    const digest = createHash('sha256').update(code).update(JSON.stringify(rest.config)).digest('hex');
    return { id: `${handle.id}@${digest.slice(0, 12)}`, digest, takenAt: Date.now(), spec: rest };
  }

  async restore(snapshot: Snapshot, instance: number, seed: string, options: { standby?: boolean } = {}): Promise<InstanceHandle> {
    return this.start({ ...snapshot.spec, instance, seed, ...(options.standby ? { standby: true } : {}) });
  }

  async destroy(handle: InstanceHandle): Promise<void> {
    const { child } = handle as ProcessInstance;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await handle.exited;
  }

  get isolation(): string {
    return this.sandbox.level;
  }

  /** Closes the log files; call once every instance is gone. */
  async close(): Promise<void> {
    for (const log of this.logs.values()) log.end();
    this.logs.clear();
  }

  /** The directory exists and, where the service VM runs as its own uid, belongs to that uid alone. */
  private prepareWritable(dir: string, uid: number): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (this.sandbox.level === SandboxLevel.ownUid) chownSync(dir, uid, uid);
  }

  /** Each service VM runs as a uid of its own (where the sandbox allows it), the same across its instances. */
  private uidOf(id: string): number {
    let uid = this.uids.get(id);
    if (uid === undefined) {
      uid = SERVICE_UID_BASE + this.uids.size;
      this.uids.set(id, uid);
    }
    return uid;
  }

  private entryOf(role: string): string {
    return join(this.root, 'dist', 'services', role, 'main.js');
  }

  private logOf(id: string): WriteStream {
    let log = this.logs.get(id);
    if (log === undefined) {
      log = createWriteStream(join(this.options.logDir, `${id}.log`), { flags: 'a' });
      this.logs.set(id, log);
    }
    return log;
  }

  private codeIdentityOf(role: string): string {
    let identity = this.identities.get(role);
    if (identity === undefined) {
      identity = codeIdentity(join(this.root, 'dist'), ['shared', join('services', role)]);
      this.identities.set(role, identity);
    }
    return identity;
  }
}

function withRealPath(path: string): string[] {
  const real = existsSync(path) ? realpathSync(path) : path;
  return real === path ? [path] : [path, real];
}

/** Node 20 takes one path per flag, and a folder only with a trailing wildcard. */
function allowRead(path: string): string {
  const isFolder = existsSync(path) && statSync(path).isDirectory();
  return `--allow-fs-read=${isFolder ? join(path, '*') : path}`;
}

/** What a log line says went wrong: an error-level entry, or a line of an uncaught exception. */
function errorIn(line: string): string | undefined {
  if (!line.trim()) return undefined;
  try {
    const entry = JSON.parse(line) as { level?: string; msg?: string; error?: string };
    return entry.level === 'error' ? [entry.msg, entry.error].filter(Boolean).join(': ') : undefined;
  } catch {
    return /^\w*Error\b/.test(line.trim()) ? line.trim() : undefined;
  }
}
