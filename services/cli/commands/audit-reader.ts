import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Argv } from 'yargs';
import type { AuditIndex } from '../../../shared/audit/audit-index.js';
import { Rebuilt, loadCheckpointedIndex } from '../../../shared/audit/index-checkpoint.js';
import { connectAs } from '../../../shared/bus/connect.js';
import { XoarError } from '../../../shared/errors/xoar-error.js';
import { ReservedPrincipal } from '../../../shared/policy/principals.js';
import { hostPaths } from '../../supervisor/state-dir.js';
import { findHost } from '../find-host.js';
import type { GlobalOptions } from '../global-options.js';

/** Options of every `xoar audit` command: which auditor credentials to read with. */
export type AuditOptions = GlobalOptions & { credentials: string | undefined };

/** Where a host leaves the auditor's seed for the CLI (the supervisor writes it 0600 when the host starts). */
export function auditorSeedFile(stateDir: string, host: string): string {
  return hostPaths(stateDir, host).auditorSeed;
}

/** Where `xoar audit` keeps a host's index checkpoint (see shared/audit/index-checkpoint.ts). */
export function auditIndexFile(stateDir: string, host: string): string {
  return join(hostPaths(stateDir, host).dir, 'audit-index.json');
}

export class AuditorCredentialsMissingError extends XoarError {
  constructor(file: string) {
    super('auditor-credentials-missing', `no auditor credentials at ${file}`, {
      hint: 'the supervisor writes them when the host starts; pass --credentials FILE to read with another auditor seed',
    });
  }
}

export function withAuditOptions<T>(yargs: Argv<T>): Argv<T & { credentials: string | undefined }> {
  return yargs.option('credentials', { type: 'string', describe: "the auditor's nkey seed file (default: the host's auditor.seed)" });
}

/** Joins a running host's bus as the auditor (read-only on the audit stream), runs `body`, and leaves. */
export async function withAuditor<T>(options: AuditOptions, body: (nc: NatsConnection, host: string) => Promise<T>): Promise<T> {
  const runtime = findHost(options.stateDir, options.host);
  const file = options.credentials ?? auditorSeedFile(options.stateDir, runtime.host);
  let seed: string;
  try {
    seed = readFileSync(file, 'utf8').trim();
  } catch {
    throw new AuditorCredentialsMissingError(file);
  }
  const nc = await connectAs({ url: runtime.natsUrl, principal: ReservedPrincipal.auditor, seed, name: 'xoar-cli-auditor' });
  try {
    return await body(nc, runtime.host);
  } finally {
    await nc.close();
  }
}

export function withIndexOption<T>(yargs: Argv<T>): Argv<T & { index: string | undefined }> {
  return yargs.option('index', { type: 'string', describe: "the index checkpoint file (default: the host's audit-index.json)" });
}

/** The host's audit index, from its checkpoint and the stream's tail; says so on stderr when the stream changed under the checkpoint. */
export async function readIndex(options: AuditOptions & { index: string | undefined }, nc: NatsConnection, host: string): Promise<AuditIndex> {
  const file = options.index ?? auditIndexFile(options.stateDir, host);
  const { index, rebuilt } = await loadCheckpointedIndex(nc, host, file);
  if (rebuilt === Rebuilt.streamChanged) {
    process.stderr.write(`xoar: the audit stream no longer holds the last record indexed in ${file}: index rebuilt from the whole stream; run \`xoar audit verify\`\n`);
  }
  return index;
}

export class InvalidTimeError extends XoarError {
  constructor(option: string, value: string) {
    super('audit-invalid-time', `--${option} "${value}" is not a time`, { hint: 'give an ISO 8601 time, e.g. 2025-01-01T12:00:00Z' });
  }
}

export function parseTime(option: string, value: string): Date {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidTimeError(option, value);
  return new Date(ms);
}
