import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../shared/bus/connect.js';
import { request } from '../shared/bus/rpc.js';
import { subjects } from '../shared/bus/subjects.js';
import { loadPolicy } from '../shared/policy/load-policy.js';
import type { HostPolicy } from '../shared/policy/types.js';
import { projectRoot } from '../shared/project-root.js';
import { PING } from '../shared/service/run-service.js';
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

export async function startBenchHost(policy: HostPolicy): Promise<BenchHost> {
  const stateRoot = mkdtempSync(join(tmpdir(), 'xoar-bench-'));
  const supervisor = await Supervisor.start({ policy, stateRoot });
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

/** Pings a service until an instance newer than `after` answers; resolves with the time it answered. */
export async function firstAnswerFrom(client: NatsConnection, host: string, id: string, after: number): Promise<number> {
  for (;;) {
    try {
      const answer = await request<{ instance: number }>(client, subjects.rpc(host, id, PING), null, 100);
      if (answer.instance > after) return performance.now();
    } catch {
      // not answering yet: the gap a client sees
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}
