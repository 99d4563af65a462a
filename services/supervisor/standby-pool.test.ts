import { describe, expect, it } from 'vitest';
import type { InstanceExit, InstanceHandle, InstanceSpec, ServiceDriver, Snapshot } from '../../shared/drivers/driver.js';
import { silentLogger } from '../../shared/log/logger.js';
import { StandbyPool, StandbyUnavailableError } from './standby-pool.js';

/** A driver whose instances are records: a test says when one exits; restores can be made to fail. */
class RecordingDriver implements ServiceDriver {
  readonly kind = 'recording';
  readonly isolation = 'none';
  readonly sharesStateBetweenInstances = true;
  readonly restored: Array<{ instance: number; standby: boolean; digest: string }> = [];
  readonly destroyed: number[] = [];
  failRestores = false;
  /** While set, destroys wait for it, as an `xl destroy` takes seconds. */
  destroyGate: Promise<void> | undefined;
  private readonly exits = new Map<number, (exit: InstanceExit) => void>();

  async start(spec: InstanceSpec): Promise<InstanceHandle> {
    return this.handle(spec.id, spec.instance);
  }
  async snapshot(): Promise<Snapshot> {
    throw new Error('not used');
  }
  async restore(snapshot: Snapshot, instance: number, _seed: string, options: { standby?: boolean } = {}): Promise<InstanceHandle> {
    if (this.failRestores) throw new Error('no memory');
    this.restored.push({ instance, standby: options.standby === true, digest: snapshot.digest });
    return this.handle(snapshot.spec.id, instance);
  }
  async destroy(handle: InstanceHandle): Promise<void> {
    this.destroyed.push(handle.instance);
    await this.destroyGate;
    this.exits.get(handle.instance)?.({ code: null, signal: 'SIGKILL' });
    await handle.exited;
  }
  async close(): Promise<void> {}
  exit(instance: number): void {
    this.exits.get(instance)?.({ code: 1, signal: null });
  }
  private handle(id: string, instance: number): InstanceHandle {
    const exited = new Promise<InstanceExit>((resolve) => this.exits.set(instance, resolve));
    return { id, instance, pid: undefined, exited };
  }
}

function snapshotOf(digest: string): Snapshot {
  return { id: `blk@${digest}`, digest, takenAt: 0, spec: { host: 'h', id: 'blk', role: 'block', natsUrl: 'nats://x', heartbeatMs: 100, config: {}, readPaths: [], writePaths: [] } };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

function poolUnderTest(size = 1) {
  const driver = new RecordingDriver();
  const pool = new StandbyPool({ driver, seedOf: () => 'seed', startTimeoutMs: 60_000, sizeOf: () => size, log: silentLogger });
  return { driver, pool };
}

describe('standby pool', () => {
  it('restores standbys from the snapshot, numbered after the instance that was snapshotted', async () => {
    const { driver, pool } = poolUnderTest(2);
    pool.prime('blk', snapshotOf('a'), 1);
    await turn();
    expect(driver.restored).toEqual([
      { instance: 2, standby: true, digest: 'a' },
      { instance: 3, standby: true, digest: 'a' },
    ]);
    expect(pool.readyCount('blk')).toBe(0);
    expect(pool.report('blk', 2, 'booted')).toBe(true);
    expect(pool.report('blk', 2, 'initialized')).toBe(true);
    expect(pool.report('blk', 1, 'heartbeat')).toBe(false);
    expect(pool.readyCount('blk')).toBe(1);
    // A number handed out elsewhere comes after the pool's.
    expect(pool.number('blk', 2)).toBe(4);
    await pool.close();
  });

  it('closes only once the standbys its services discarded before are destroyed', async () => {
    const { driver, pool } = poolUnderTest(1);
    pool.prime('blk', snapshotOf('a'), 1);
    await turn();
    let release!: () => void;
    driver.destroyGate = new Promise((resolve) => (release = resolve));
    void pool.discard('blk');
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await turn();
    expect(driver.destroyed).toEqual([2]);
    expect(closed).toBe(false);
    release();
    await closing;
    expect(closed).toBe(true);
  });

  it('hands over a ready standby, waiting for one being restored, and replenishes only when told', async () => {
    const { driver, pool } = poolUnderTest(1);
    pool.prime('blk', snapshotOf('a'), 1);
    await turn();
    const taken = pool.take('blk');
    await turn();
    pool.report('blk', 2, 'initialized');
    expect((await taken).instance).toBe(2);
    await turn();
    expect(driver.restored).toHaveLength(1);
    pool.replenish('blk');
    await turn();
    expect(driver.restored.map((r) => r.instance)).toEqual([2, 3]);
    await pool.close();
  });

  it('replaces a standby that exits, and destroys standbys of a superseded snapshot', async () => {
    const { driver, pool } = poolUnderTest(1);
    pool.prime('blk', snapshotOf('a'), 1);
    await turn();
    pool.report('blk', 2, 'initialized');
    pool.prime('blk', snapshotOf('b'), 1);
    await turn();
    expect(driver.destroyed).toEqual([2]);
    expect(driver.restored.at(-1)).toEqual({ instance: 3, standby: true, digest: 'b' });
    driver.exit(3);
    // Restored again after a short pause (not measured here).
    while (driver.restored.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(driver.restored.at(-1)).toEqual({ instance: 4, standby: true, digest: 'b' });
    await pool.close();
  });

  it('gives up after standbys fail to start again and again: a take then fails, and the rollback replaces instead', async () => {
    const { driver, pool } = poolUnderTest(1);
    driver.failRestores = true;
    pool.prime('blk', snapshotOf('a'), 1);
    await expect(pool.take('blk')).rejects.toThrow(StandbyUnavailableError);
    await expect(pool.take('blk')).rejects.toMatchObject({ code: 'standby-unavailable', message: expect.stringContaining('5 standbys in a row failed to start') });
    await pool.close();
  });

  it('gives a take up when it is aborted, and destroys every standby when closed', async () => {
    const { driver, pool } = poolUnderTest(2);
    pool.prime('blk', snapshotOf('a'), 1);
    await turn();
    const abort = new AbortController();
    const taken = pool.take('blk', abort.signal);
    abort.abort();
    await expect(taken).rejects.toThrow(/given up/);
    await pool.close();
    expect(driver.destroyed.sort()).toEqual([2, 3]);
    await expect(pool.take('blk')).rejects.toThrow(StandbyUnavailableError);
  });
});
