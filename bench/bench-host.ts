import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../shared/bus/connect.js';
import { loadPolicy } from '../shared/policy/load-policy.js';
import type { HostPolicy } from '../shared/policy/types.js';
import { projectRoot } from '../shared/project-root.js';
import { Supervisor } from '../services/supervisor/supervisor.js';

/** The default policy, with a restart budget large enough for a benchmark's deliberate crashes. */
export async function benchPolicy(): Promise<HostPolicy> {
  const policy = await loadPolicy(join(projectRoot(), 'policies', 'default.json'));
  return {
    ...policy,
    restartBudget: { maxRestarts: 10_000, windowMs: 60_000, backoffInitialMs: 0, backoffMaxMs: 0 },
    services: policy.services.map((service) => ({ ...service, restart: service.restart.kind === 'every' ? { kind: 'never' } : service.restart })),
  };
}

export interface BenchHost {
  supervisor: Supervisor;
  /** A client with the supervisor's credentials, for probing services. */
  client: NatsConnection;
  dispose(): Promise<void>;
}

export async function startBenchHost(policy: HostPolicy, options: { makeBeforeBreak?: boolean; standbys?: number } = {}): Promise<BenchHost> {
  const stateRoot = mkdtempSync(join(tmpdir(), 'xoar-bench-'));
  const supervisor = await Supervisor.start({ policy, stateRoot, ...options });
  await supervisor.booted;
  const { url, seed } = supervisor.credentialsOf('supervisor');
  const client = await connectAs({ url, principal: 'supervisor', seed, name: 'bench-client' });
  return {
    supervisor,
    client,
    dispose: async () => {
      await client.close();
      await supervisor.stop();
      rmSync(stateRoot, { recursive: true, force: true });
    },
  };
}
