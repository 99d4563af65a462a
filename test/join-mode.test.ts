import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperatorServer, startOperatorServer } from '../shared/broker/testing/operator-nats-server.js';
import { connectAs } from '../shared/bus/connect.js';
import { subjects } from '../shared/bus/subjects.js';
import { loadPolicy } from '../shared/policy/load-policy.js';
import { isProcessAlive } from '../shared/process-alive.js';
import { Supervisor } from '../services/supervisor/supervisor.js';
import { eventually, readHostAudit, type TestHost, writePolicy } from './support/test-host.js';

/** A host on a nats-server the operator runs: xoar writes the included authorization file and signals reloads. */
describe('join mode', () => {
  let dir: string;
  let operator: OperatorServer;
  let host: TestHost;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xoar-join-mode-'));
    operator = await startOperatorServer(dir, { jetstream: true });
    const policy = await loadPolicy(writePolicy(dir));
    const supervisor = await Supervisor.start({
      policy,
      stateRoot: dir,
      broker: { kind: 'join', url: operator.url, authorizationFile: operator.authorizationFile, pidFile: operator.pidFile, logFile: operator.logFile },
    });
    await supervisor.booted;
    host = { supervisor, stateRoot: dir, dispose: () => supervisor.stop() };
  });
  afterAll(async () => {
    await host?.dispose();
    operator.child.kill('SIGTERM');
    await operator.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots every role on the operator\'s server and retires the disposables there', async () => {
    await eventually(() => (host.supervisor.status().services.filter((s) => s.state === 'destroyed').length === 2 ? true : undefined), 'boot and pci to retire');
    expect(host.supervisor.status()).toMatchObject({ natsUrl: operator.url, state: 'running' });
    const selfDestructs = await eventually(async () => {
      const components = (await readHostAudit(host)).filter((r) => r.kind === 'self-destruct').map((r) => r.component);
      return components.length === 2 ? components.sort() : undefined;
    }, 'both self-destructs to be recorded (after their revocation reloads)');
    expect(selfDestructs).toEqual(['boot', 'pci']);
  });

  it('still enforces least privilege there, and records violations from the server\'s log', async () => {
    const { seed } = host.supervisor.credentialsOf('blk');
    const blk = await connectAs({ url: operator.url, principal: 'blk', seed, reconnect: false });
    blk.publish(subjects.rpc('fast', 'xs-state', 'write'), '{}');
    await blk.flush().catch(() => undefined);
    const violation = await eventually(async () => (await readHostAudit(host)).find((r) => r.kind === 'violation' && r.component === 'blk'), 'the violation to be recorded');
    expect(violation.data).toMatchObject({ operation: 'publish', subject: subjects.rpc('fast', 'xs-state', 'write') });
    await blk.close();
  });

  it('leaves the operator\'s server running when the host stops', async () => {
    await host.supervisor.stop();
    expect(isProcessAlive(operator.pid)).toBe(true);
  });
});
