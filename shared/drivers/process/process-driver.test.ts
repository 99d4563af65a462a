import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrincipalKey } from '../../broker/credentials.js';
import type { InstanceSpec } from '../driver.js';
import { type SilentBroker, silentBroker } from '../testing/silent-broker.js';
import { ProcessDriver, ServiceEntryMissingError } from './process-driver.js';
import { SandboxLevel } from './sandbox.js';

const SEED = createPrincipalKey('xs-state').seed;

function spec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return { host: 'drv', id: 'xs-state', role: 'xenstore-state', instance: 1, natsUrl: 'nats://127.0.0.1:1', seed: SEED, heartbeatMs: 100, config: {}, readPaths: [], writePaths: [], ...overrides };
}

describe('the process driver', () => {
  let logDir: string;
  let driver: ProcessDriver;
  let broker: SilentBroker;

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'xoar-driver-'));
    driver = new ProcessDriver({ logDir });
    broker = await silentBroker();
  });
  afterAll(async () => {
    await broker.close();
    await driver.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('runs a service VM as its own process with an empty environment, in the strongest sandbox here', async () => {
    const handle = await driver.start(spec({ natsUrl: broker.url }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const environ = readFileSync(`/proc/${handle.pid}/environ`, 'utf8').split('\0').filter(Boolean);
    expect(environ).toEqual(['PATH=/usr/bin:/bin']);
    const cmdline = readFileSync(`/proc/${handle.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('--experimental-permission');
    expect(cmdline).not.toContain(SEED);
    if (driver.sandbox.level === SandboxLevel.ownUid) {
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${handle.pid}/status`, 'utf8'))?.[1];
      expect(Number(uid)).toBeGreaterThanOrEqual(65000);
    }
    await driver.destroy(handle);
    expect(() => process.kill(handle.pid as number, 0)).toThrow();
  });

  it("limits a service VM's JavaScript heap to the policy's memory limit, and its restores too", async () => {
    const handle = await driver.start(spec({ natsUrl: broker.url, memoryLimitBytes: 64 * 2 ** 20 }));
    const snapshot = await driver.snapshot(handle, spec({ natsUrl: broker.url, memoryLimitBytes: 64 * 2 ** 20 }));
    const restored = await driver.restore(snapshot, 2, SEED);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const pid of [handle.pid, restored.pid]) {
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--max-old-space-size=64');
    }
    await Promise.all([driver.destroy(handle), driver.destroy(restored)]);
  });

  it('gives each service VM a uid of its own, kept across its instances', async () => {
    if (driver.sandbox.level !== SandboxLevel.ownUid) return;
    const uidOf = async (id: string, instance: number) => {
      const handle = await driver.start(spec({ id, instance, natsUrl: broker.url }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${handle.pid}/status`, 'utf8'))?.[1];
      await driver.destroy(handle);
      return uid;
    };
    const first = await uidOf('svc-a', 1);
    expect(await uidOf('svc-b', 1)).not.toBe(first);
    expect(await uidOf('svc-a', 2)).toBe(first);
  });

  it('reports how an instance ended, with the error it logged last', async () => {
    const handle = await driver.start(spec({ id: 'no-broker' }));
    const exit = await handle.exited;
    expect(exit.code).toBe(1);
    expect(exit.detail).toMatch(/^service VM failed: cannot reach the broker at nats:\/\/127\.0\.0\.1:1/);
    expect(readFileSync(join(logDir, 'no-broker.log'), 'utf8')).toContain('"level":"error"');
  });

  it('refuses a role it has no code for, saying how to fix it', async () => {
    await expect(driver.start(spec({ role: 'hypervisor' }))).rejects.toBeInstanceOf(ServiceEntryMissingError);
    await expect(driver.start(spec({ role: 'hypervisor' }))).rejects.toMatchObject({ hint: expect.stringContaining('npm run build') });
  });

  it('snapshots code identity and declared state, never the secret, and restores from it', async () => {
    const handle = await driver.start(spec({ id: 'snap', natsUrl: broker.url, config: { uses: ['a'] } }));
    const snapshot = await driver.snapshot(handle, spec({ id: 'snap', natsUrl: broker.url, config: { uses: ['a'] } }));
    const other = await driver.snapshot(handle, spec({ id: 'snap', natsUrl: broker.url, config: { uses: ['b'] } }));
    expect(snapshot.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(other.digest).not.toBe(snapshot.digest);
    expect(JSON.stringify(snapshot)).not.toContain(SEED);
    await driver.destroy(handle);

    const restored = await driver.restore(snapshot, 2, createPrincipalKey('snap').seed);
    expect(restored.instance).toBe(2);
    expect(restored.pid).not.toBe(handle.pid);
    await driver.destroy(restored);
    await driver.destroy(restored);
  });
});
