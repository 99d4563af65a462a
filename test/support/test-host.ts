import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAudit } from '../../shared/audit/audit-log.js';
import type { AuditRecord } from '../../shared/audit/audit-record.js';
import { connectAs } from '../../shared/bus/connect.js';
import { loadPolicy } from '../../shared/policy/load-policy.js';
export { isProcessAlive as isAlive } from '../../shared/process-alive.js';
import { Supervisor } from '../../services/supervisor/supervisor.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A policy file in a temp folder: the fast test host, changed by `edit`, with its PCI fixture made absolute. */
export function writePolicy(dir: string, edit: (policy: Record<string, any>) => void = () => undefined, base = join(FIXTURES, 'fast-host.json')): string {
  const policy = JSON.parse(readFileSync(base, 'utf8')) as Record<string, any>;
  policy['pci'] = { fixture: resolve(dirname(base), policy['pci']['fixture']) };
  delete policy['$schema'];
  edit(policy);
  const file = join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify(policy, null, 2));
  return file;
}

export interface TestHost {
  supervisor: Supervisor;
  stateRoot: string;
  /** Stops the host (if still up) and removes its state. */
  dispose(): Promise<void>;
}

/** Boots a host from a fresh state root; resolves once every role has booted. */
export async function bootTestHost(edit?: (policy: Record<string, any>) => void, options: { standbys?: number } = {}): Promise<TestHost> {
  const stateRoot = mkdtempSync(join(tmpdir(), 'xoar-test-'));
  const policy = await loadPolicy(writePolicy(stateRoot, edit));
  const supervisor = await Supervisor.start({ policy, stateRoot, ...options });
  try {
    await supervisor.booted;
    // Settled: every make-before-break service has its warm standby (they start just after boot).
    await eventually(() => (supervisor.status().services.every((service) => service.standbys === null || service.standbys >= 1) ? true : undefined), 'the warm standbys');
  } catch (error) {
    await supervisor.stop();
    rmSync(stateRoot, { recursive: true, force: true });
    throw error;
  }
  return {
    supervisor,
    stateRoot,
    dispose: async () => {
      await supervisor.stop();
      rmSync(stateRoot, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns something other than undefined; a probe that throws is tried again. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: lastError });
    await new Promise((r) => setTimeout(r, 25));
  }
}


/** The host's audit log as it stands, every pending append included. */
export async function readHostAudit(host: TestHost): Promise<AuditRecord[]> {
  await host.supervisor.audit.flush();
  const { url, seed } = host.supervisor.credentialsOf('supervisor');
  const nc = await connectAs({ url, principal: 'supervisor', seed, name: 'test-audit-reader' });
  try {
    return await readAudit(nc, host.supervisor.policy.host.name);
  } finally {
    await nc.close();
  }
}
