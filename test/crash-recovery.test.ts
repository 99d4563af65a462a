import { afterEach, describe, expect, it } from 'vitest';
import { bootTestHost, eventually, isAlive, readHostAudit, type TestHost } from './support/test-host.js';

const running = (host: TestHost, id: string) => host.supervisor.status().services.find((s) => s.id === id && s.state === 'running');

describe('crashes, hangs and crash loops of service VMs', () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    host = undefined;
  });

  it('detects a kill -9 and rolls the service back to its snapshot', async () => {
    host = await bootTestHost();
    const before = running(host, 'toolstack');
    process.kill(before?.pid as number, 'SIGKILL');

    const after = await eventually(() => {
      const now = running(host as TestHost, 'toolstack');
      return now && now.instance > (before?.instance ?? 0) ? now : undefined;
    }, 'toolstack to be rolled back');
    expect(after.pid).not.toBe(before?.pid);
    expect(after.lastRollback?.cause).toBe('crash');
    const records = await readHostAudit(host);
    const crash = records.find((r) => r.kind === 'lifecycle' && r.component === 'toolstack' && r.data['to'] === 'crashed');
    expect(crash?.data['crash']).toMatchObject({ cause: 'exited', signal: 'SIGKILL' });
    expect(records.some((r) => r.kind === 'rollback' && r.component === 'toolstack' && r.data['cause'] === 'crash')).toBe(true);
  });

  it('detects a hung service by its missed heartbeats, kills it and rolls it back', async () => {
    host = await bootTestHost();
    const before = running(host, 'xs-state');
    process.kill(before?.pid as number, 'SIGSTOP');

    const after = await eventually(() => {
      const now = running(host as TestHost, 'xs-state');
      return now && now.instance > (before?.instance ?? 0) ? now : undefined;
    }, 'xs-state to be rolled back');
    expect(isAlive(before?.pid as number)).toBe(false);
    const crash = (await readHostAudit(host)).find((r) => r.kind === 'lifecycle' && r.component === 'xs-state' && r.data['to'] === 'crashed');
    expect(crash?.data['crash']).toMatchObject({ cause: 'watchdog' });
    expect(after.lastRollback?.cause).toBe('crash');
  });

  it('ends a crash loop in failed once the restart budget is spent, with no process left', async () => {
    host = await bootTestHost((policy) => {
      policy['restartBudget'] = { maxRestarts: 2, within: '60s', backoff: { initial: '10ms', max: '10ms' } };
    });
    const pids: number[] = [];
    for (let crash = 1; crash <= 3; crash++) {
      const victim = await eventually(() => {
        const service = running(host as TestHost, 'net');
        return service && !pids.includes(service.pid as number) ? service : undefined;
      }, `net to run again before crash ${crash}`);
      pids.push(victim.pid as number);
      process.kill(victim.pid as number, 'SIGKILL');
    }
    const failed = await eventually(() => host?.supervisor.status().services.find((s) => s.id === 'net' && s.state === 'failed'), 'net to fail');
    expect(failed.failure).toMatch(/^crashed 3 times within 60000 ms \(last: killed by signal SIGKILL\)$/);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(host.supervisor.status().state).toBe('running');
    expect((await readHostAudit(host)).some((r) => r.kind === 'lifecycle' && r.component === 'net' && r.data['to'] === 'failed')).toBe(true);
  });
});
